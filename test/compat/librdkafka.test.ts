/**
 * librdkafka's own test suite against an embedded Strom: test/compat/librdkafka/run.ts builds
 * librdkafka's test runner from a pinned release (once, cached), starts `strom start` with
 * broker.properties, runs every broker-based test in the runner's quick mode and compares the
 * failures with test/compat/librdkafka/allow-list.json. It fails when a test not on the list
 * fails, or when a listed test passes (take it off the list). See test/compat/librdkafka/README.md;
 * `npm run compat -- librdkafka` runs the whole suite without quick mode.
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runSuiteScript } from './support/suite-script.js';

const SCRIPT = fileURLToPath(new URL('./librdkafka/run.ts', import.meta.url));
const TIMEOUT_MS = 25 * 60_000;

describe("librdkafka's test suite", () => {
  it(
    'passes against Strom, but for the tests on allow-list.json',
    async () => {
      // npm test has built the repo.
      const { code, signal, output } = await runSuiteScript(SCRIPT, ['--quick', '--skip-build'], TIMEOUT_MS - 30_000);
      expect(code, `run.ts exited with ${code ?? signal}:\n${output.slice(-12_000)}`).toBe(0);
      expect(output).toMatch(/^librdkafka: \d+ passed, \d+ failed, \d+ skipped$/m);
    },
    TIMEOUT_MS,
  );
});
