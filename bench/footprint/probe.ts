// One stage of the embedded broker's start-up, alone in a fresh Node process (run by
// footprint-bench.ts with the flags `npm start` uses). Prints one JSON line: milliseconds since
// the process started (performance.now() counts from it) after each step, and the RSS after the
// last step.
//   probe.ts node             nothing: Node itself
//   probe.ts imports          the CLI with every app module (what main.js loads before it starts)
//   probe.ts store <dataDir>  @strom/metadata-store alone, then the embedded store opened on
//                             <dataDir> (as apps/strom/src/embedded.ts opens it) and the reads
//                             the services make at start

const stage = process.argv[2];
const marks: Record<string, number> = {};
const mark = (name: string): void => void (marks[name] = performance.now());
const report = (): void => void process.stdout.write(`${JSON.stringify({ marks, rssMiB: process.memoryUsage.rss() / 2 ** 20 })}\n`);

if (stage === 'node') {
  mark('done');
  report();
} else if (stage === 'imports') {
  await import('@strom/strom');
  mark('imported');
  report();
} else if (stage === 'store') {
  const dataDir = process.argv[3]!;
  const { openJournalStore } = await import('@strom/metadata-store');
  mark('imported');
  const { store } = await openJournalStore(dataDir);
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
