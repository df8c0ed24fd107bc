import { spawn } from 'node:child_process';

/**
 * Runs a client library's suite script (franz-go/run.mjs, librdkafka/run.ts) with the Node that
 * runs the tests; resolves with its exit and output. SIGTERM at the bound lets the script stop
 * the broker and the test processes it started.
 */
export function runSuiteScript(
  script: string,
  args: readonly string[],
  timeoutMs: number,
): Promise<{ code: number | null; signal: NodeJS.Signals | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: timeoutMs,
      killSignal: 'SIGTERM',
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, output }));
  });
}
