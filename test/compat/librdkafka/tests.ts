/**
 * librdkafka's test table and the test runner's summary, as text: which tests exist (and which
 * need no broker), and what a run of `test-runner` reports for each.
 */

export interface SuiteTest {
  /** e.g. `0011_produce_batch`. */
  name: string;
  /** The four digits TESTS= selects by: every test of a number runs in one runner process. */
  number: string;
  /** TEST_F_LOCAL: needs no broker (unit tests, the mock cluster). */
  local: boolean;
  /** TEST_F_MANUAL: only run when named. */
  manual: boolean;
}

/** The `_TEST(name, flags, …)` entries of tests/test.c's `tests[]` table. */
export function suiteTests(testC: string): SuiteTest[] {
  const start = testC.indexOf('struct test tests[]');
  if (start < 0) throw new Error('tests/test.c has no `struct test tests[]` table');
  const tests: SuiteTest[] = [];
  const entry = /_TEST\(\s*(\d{4}[\w]*)\s*,\s*([^,)]*)/g;
  entry.lastIndex = start;
  for (let match = entry.exec(testC); match; match = entry.exec(testC)) {
    const [, name, flags] = match as unknown as [string, string, string];
    tests.push({ name, number: name.slice(0, 4), local: flags.includes('TEST_F_LOCAL'), manual: flags.includes('TEST_F_MANUAL') });
  }
  if (tests.length < 100) throw new Error(`only ${tests.length} tests found in tests/test.c`);
  return tests;
}

export type RunnerState = 'PASSED' | 'FAILED' | 'SKIPPED' | 'RUNNING' | 'DNS';

export interface RunnerRow {
  name: string;
  state: RunnerState;
  seconds: number;
  /** The fail or skip reason the runner printed. */
  reason: string;
}

// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;]*[A-Za-z]|\x1b\(B/g;

/** The rows of the summary table test-runner prints at its end: `| name | STATE | 1.234s | reason`. */
export function summaryRows(output: string): RunnerRow[] {
  const rows: RunnerRow[] = [];
  for (const raw of output.split('\n')) {
    const line = raw.replace(ANSI, '');
    const match = line.match(/^\|\s*(\d{4}\w*)\s*\|\s*(PASSED|FAILED|SKIPPED|RUNNING|DNS)\s*\|\s*([\d.]+)s\s*\|\s*(.*)$/);
    if (!match) continue;
    const [, name, state, seconds, reason] = match as unknown as [string, string, RunnerState, string, string];
    rows.push({ name, state: state as RunnerState, seconds: Number(seconds), reason: reason.trim() });
  }
  return rows;
}

/**
 * The failures the runner announced as they happened: `### Test "name (sub)" failed at file:line:fn() at date: ###`
 * and the reason on the next line. A failure off a test's own thread aborts the runner before it
 * prints its summary, so this is all that is left of it.
 */
export function announcedFailures(output: string): Map<string, string> {
  const failures = new Map<string, string>();
  const lines = output.replace(ANSI, '').split('\n');
  lines.forEach((line, i) => {
    const match = line.match(/^### Test "(\d{4}\w*)([^"]*)" failed at (\S+?)(?: at .*)?: ###$/);
    if (match && !failures.has(match[1]!)) failures.set(match[1]!, `${match[3]}${match[2]}: ${(lines[i + 1] ?? '').trim()}`);
  });
  return failures;
}
