/**
 * franz-go's own pkg/kgo test suite against an embedded Strom: test/compat/franz-go/run.mjs
 * builds the suite's test binary with Go (once, cached), starts `strom start`, runs the suite and
 * compares the failures with test/compat/franz-go/allow-list.json. It fails when a test not on
 * the list fails, or when a listed test passes again (take it off the list). See
 * test/compat/franz-go/README.md.
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runSuiteScript } from './support/suite-script.js';

const SCRIPT = fileURLToPath(new URL('./franz-go/run.mjs', import.meta.url));
const TIMEOUT_MS = 15 * 60_000;

describe('franz-go pkg/kgo test suite', () => {
  it(
    'passes against Strom, but for the tests on allow-list.json',
    async () => {
      // 100000 records (franz-go's default is 500000) go through each ETL chain: lighter on a shared machine.
      const { code, signal, output } = await runSuiteScript(SCRIPT, ['--quiet', '--records', '100000'], TIMEOUT_MS - 30_000);
      expect(code, `run.mjs exited with ${code ?? signal}:\n${output.slice(-12_000)}`).toBe(0);
      expect(output).toMatch(/^franz-go: \d+ passed, \d+ failed, \d+ skipped$/m);
    },
    TIMEOUT_MS,
  );
});
