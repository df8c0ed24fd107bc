// One stage of the embedded broker's start-up, alone in a fresh Node process (footprint-bench.ts
// runs it with the flags `npm start` uses; plain JavaScript, so no TypeScript stripping is
// measured). Prints one JSON line: milliseconds since the process started (performance.now()
// counts from it) after each step, and the RSS after the last step.
//   probe.mjs node               nothing: Node itself
//   probe.mjs bundle             the CLI as `npm start` loads it (apps/strom/dist/main.js, the
//                                bundle) imported and run with --version: what loading costs
//   probe.mjs embedded <dataDir> the CLI unbundled (@strom/strom, tsc's output: ~1,300 module
//                                files) with every module imported, then `strom start` on
//                                <dataDir> as main.js runs it, until its ready line
//   probe.mjs store <dataDir>    @strom/metadata-store alone, then the embedded store opened on
//                                <dataDir> (as apps/strom/src/embedded.ts opens it) and the
//                                reads the services make at start
//   probe.mjs calls <dataDir>    what the store's calls cost on the event loop: per call, the
//                                time until it returns (with its fdatasync) and the time the
//                                loop was busy; and the longest the loop stalled while 100,000
//                                committed offsets were written (the journal compacts meanwhile)
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';

const stage = process.argv[2];
const marks = {};
const mark = (name) => void (marks[name] = performance.now());
const report = () => void process.stdout.write(`${JSON.stringify({ marks, rssMiB: process.memoryUsage.rss() / 2 ** 20 })}\n`);

if (stage === 'node') {
  mark('done');
  report();
} else if (stage === 'bundle') {
  process.argv = [process.argv[0], 'main.js', '--version'];
  await import(new URL('../../apps/strom/dist/main.js', import.meta.url).href);
  mark('imported');
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
} else if (stage === 'calls') {
  const { openJournalStore } = await import('@strom/metadata-store');
  const { store } = await openJournalStore(process.argv[3]);
  const defaults = { uncleanLeaderElection: false };
  const endpoints = [{ name: 'PLAINTEXT', host: '127.0.0.1', port: 9092, securityProtocol: 'PLAINTEXT' }];
  const { broker } = await store.membership.register({ id: 1, endpoints, leaseMs: 60_000 }, defaults);
  await store.topics.create({ name: 'wide', assignments: Array.from({ length: 1000 }, () => [1]) });
  const calls = {};
  const time = async (name, count, call) => {
    const before = performance.eventLoopUtilization();
    const started = performance.now();
    for (let i = 0; i < count; i++) await call(i);
    const elu = performance.eventLoopUtilization(before);
    calls[name] = { ms: (performance.now() - started) / count, busyMs: elu.active / count };
  };
  await time('brokers.renewLease', 2000, () => store.brokers.renewLease(1, broker.epoch, 60_000));
  await time('offsets.commit (10 partitions)', 2000, (i) =>
    store.offsets.commit(
      'group',
      Array.from({ length: 10 }, (_, p) => ({ topic: 'wide', partitionIndex: p, offset: BigInt(i) })),
    ),
  );
  await time('topics.list (1,000 partitions)', 200, () => store.topics.list());
  const delay = monitorEventLoopDelay({ resolution: 1 });
  delay.enable();
  const loadStarted = performance.now();
  for (let group = 0; group < 1000; group++) {
    await store.offsets.commit(
      `g${group}`,
      Array.from({ length: 100 }, (_, p) => ({ topic: 'wide', partitionIndex: p, offset: 1n, metadata: 'consumer-1' })),
    );
  }
  delay.disable();
  const offsetLoad = { ms: performance.now() - loadStarted, maxStallMs: delay.max / 1e6, p99StallMs: delay.percentile(99) / 1e6 };
  await store.close();
  const reopenStarted = performance.now();
  const { store: reopened } = await openJournalStore(process.argv[3]);
  const reopenMs = performance.now() - reopenStarted;
  await reopened.close();
  process.stdout.write(`${JSON.stringify({ marks, rssMiB: process.memoryUsage.rss() / 2 ** 20, calls, offsetLoad, reopenMs })}\n`);
} else {
  throw new Error(`unknown stage ${stage}`);
}
