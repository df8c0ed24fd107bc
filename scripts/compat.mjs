// npm run compat -- <suite> [options]: a client library's own test suite against an embedded Strom.
//   librdkafka   test/compat/librdkafka/run.ts (librdkafka's tests/, every broker-based test)
//   franz-go     test/compat/franz-go/run.mjs  (franz-go's pkg/kgo suite)
// Options go to the suite's script; see the README beside it.
import { spawnSync } from 'node:child_process';

const suites = {
  librdkafka: new URL('../test/compat/librdkafka/run.ts', import.meta.url).pathname,
  'franz-go': new URL('../test/compat/franz-go/run.mjs', import.meta.url).pathname,
};
const [suite, ...args] = process.argv.slice(2);
if (!suite || !(suite in suites)) {
  console.error(`usage: npm run compat -- <${Object.keys(suites).join('|')}> [options]`);
  process.exit(2);
}
const result = spawnSync(process.execPath, [suites[suite], ...args], { stdio: 'inherit' });
process.exit(result.status ?? 1);
