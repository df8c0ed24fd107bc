import { isMainThread, parentPort, Worker } from 'node:worker_threads';
import { cleanSegments, type CleanInput, type CleanOutput } from './compaction.js';

// Runs cleanSegments off the append path. When loaded from TypeScript sources (tests), the
// worker needs the same `.js` → `.ts` resolution the parent had: a tiny resolve hook.
const TS_HOOKS = `import { registerHooks } from 'node:module';
registerHooks({ resolve(s, c, next) { try { return next(s, c); } catch (e) {
  if (s.startsWith('.') && s.endsWith('.js')) return next(s.slice(0, -3) + '.ts', c); throw e; } } });`;

export function cleanSegmentsInWorker(input: CleanInput): Promise<CleanOutput> {
  const fromSource = import.meta.url.endsWith('.ts');
  const url = new URL(`./compaction-worker.${fromSource ? 'ts' : 'js'}`, import.meta.url);
  const worker = new Worker(url, {
    workerData: null,
    // From sources, other workspace packages (@strom/protocol) resolve to their sources too, as in vitest.
    execArgv: fromSource ? ['--conditions=strom-source', '--import', `data:text/javascript,${encodeURIComponent(TS_HOOKS)}`] : [],
  });
  return new Promise<CleanOutput>((resolve, reject) => {
    worker.once('message', (message: { ok: true; output: CleanOutput } | { ok: false; error: string }) => {
      if (message.ok) resolve(message.output);
      else reject(new Error(`compaction worker: ${message.error}`));
      void worker.terminate();
    });
    worker.once('error', reject);
    worker.once('exit', (code) => code !== 0 && reject(new Error(`compaction worker exited with ${code}`)));
    worker.postMessage(input);
  });
}

if (!isMainThread && parentPort) {
  const port = parentPort;
  port.once('message', (input: CleanInput) => {
    cleanSegments(input).then(
      (output) => port.postMessage({ ok: true, output }),
      (error: unknown) => port.postMessage({ ok: false, error: error instanceof Error ? (error.stack ?? error.message) : String(error) }),
    );
  });
}
