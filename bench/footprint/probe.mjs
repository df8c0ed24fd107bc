// One stage of the embedded broker's start-up, alone in a fresh Node process (footprint-bench.ts
// runs it with the flags `npm start` uses; plain JavaScript, so no TypeScript stripping is
// measured). Prints one JSON line: milliseconds since the process started (performance.now()
// counts from it) after each step, and the RSS after the last step.
//   probe.mjs node               nothing: Node itself
//   probe.mjs embedded <dataDir> the CLI with every module imported, then `strom start` on
//                                <dataDir> as main.js runs it, until its ready line
//   probe.mjs store <dataDir>    @strom/metadata-store alone, then the embedded store opened on
//                                <dataDir> (as apps/strom/src/embedded.ts opens it) and the
//                                reads the services make at start
import { performance } from 'node:perf_hooks';

const stage = process.argv[2];
const marks = {};
const mark = (name) => void (marks[name] = performance.now());
const report = () => void process.stdout.write(`${JSON.stringify({ marks, rssMiB: process.memoryUsage.rss() / 2 ** 20 })}\n`);

if (stage === 'node') {
  mark('done');
  report();
} else if (stage === 'embedded') {
  const { main } = await import('@strom/strom');
  mark('imported');
  await main(['start', '--port', '0', '--admin-port', '0', '--data-dir', process.argv[3], '--log-level', 'warn']);
  mark('ready');
  report();
  process.kill(process.pid, 'SIGTERM');
} else if (stage === 'store') {
  const { openJournalStore } = await import('@strom/metadata-store');
  mark('imported');
  const { store } = await openJournalStore(process.argv[3]);
  mark('opened');
  await store.clusterId();
  await store.version();
  await store.brokers.list();
  await store.topics.list();
  await store.offsets.loadGroups();
  mark('queried');
  report();
  await store.close();
} else {
  throw new Error(`unknown stage ${stage}`);
}
