import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';

/**
 * A record search's regular expression, run by JavaScript's RegExp on a worker thread of its own.
 * RegExp backtracks: a pattern such as `(a+)+$` on a long `aaaa…b` takes exponential time. On
 * the admin API's event loop (the broker's, in embedded mode) any user who may read a topic could
 * stop it for minutes; on a worker the search waits for the answer only until its time budget
 * runs out, then terminates the worker and answers where it got to. A catastrophic pattern so
 * costs one core for at most the budget. Measured over 10 million records
 * (`npm run bench -- record-search`): RE2 in JavaScript (re2js), linear whatever the pattern,
 * took ~7 s for a case-insensitive search on the event loop; RegExp here 2.6–2.9 s (medians).
 *
 * The worker gets one batch at a time: the bytes of its records section and, per field to test,
 * the record's index and the field's place; it answers one flag per record. At most
 * MAX_REGEX_WORKERS are alive at once; a search beyond them waits for one until its budget is up.
 */
export class RegexWorker {
  private worker: Worker | undefined;
  // Fields assigned here rather than parameter properties: the worker runs this file under Node's type stripping in tests.
  private readonly source: string;
  private readonly flags: string;

  /** `source` and `flags` as RegExp takes them; the caller has checked that they compile. */
  constructor(source: string, flags: string) {
    this.source = source;
    this.flags = flags;
  }

  /**
   * Per record of the batch, 1 when one of its fields matches; undefined when `deadlineMs` (epoch
   * ms) came first (waiting for a worker, or for its answer: the worker is then stopped).
   */
  async match(bytes: Uint8Array, spans: Int32Array, records: number, deadlineMs: number): Promise<Uint8Array | undefined> {
    if (this.worker === undefined) {
      if (!(await acquireSlot(deadlineMs))) return undefined;
      this.worker = this.start();
    }
    const worker = this.worker;
    const request: MatchRequest = { bytes, spans, records };
    return new Promise<Uint8Array | undefined>((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        worker.off('message', onMessage).off('error', onError).off('exit', onExit);
      };
      const onMessage = (answer: MatchAnswer) => {
        done();
        resolve(answer.matched);
      };
      const onError = (error: Error) => {
        done();
        this.close();
        reject(error);
      };
      const onExit = (code: number) => onError(new Error(`the regex worker exited with ${code}`));
      const timer = setTimeout(
        () => {
          done();
          this.close();
          resolve(undefined);
        },
        Math.max(0, deadlineMs - Date.now()),
      );
      worker.on('message', onMessage).once('error', onError).once('exit', onExit);
      worker.postMessage(request, [bytes.buffer as ArrayBuffer, spans.buffer as ArrayBuffer]);
    });
  }

  /** Stops the worker (a search that ended, or one whose budget ran out in the middle of a test). */
  close(): void {
    const worker = this.worker;
    if (worker === undefined) return;
    this.worker = undefined;
    void worker.terminate();
    releaseSlot();
  }

  private start(): Worker {
    const fromSource = import.meta.url.endsWith('.ts');
    const worker = new Worker(new URL(`./regex-worker.${fromSource ? 'ts' : 'js'}`, import.meta.url), {
      workerData: { source: this.source, flags: this.flags } as WorkerInput,
    });
    // A worker waiting for the next batch does not keep the process alive.
    worker.unref();
    return worker;
  }
}

/** Regex workers alive at once in this process: each may keep a core busy until its search's budget is up. */
export const MAX_REGEX_WORKERS = 2;
let liveWorkers = 0;
const waitingForWorker: (() => void)[] = [];

/** A worker slot, or false when `deadlineMs` passed first; a slot given up passes to the longest waiting. */
function acquireSlot(deadlineMs: number): Promise<boolean> {
  if (liveWorkers < MAX_REGEX_WORKERS) {
    liveWorkers++;
    return Promise.resolve(true);
  }
  return new Promise<boolean>((resolve) => {
    const granted = () => {
      clearTimeout(timer);
      resolve(true);
    };
    const timer = setTimeout(
      () => {
        waitingForWorker.splice(waitingForWorker.indexOf(granted), 1);
        resolve(false);
      },
      Math.max(0, deadlineMs - Date.now()),
    );
    waitingForWorker.push(granted);
  });
}

function releaseSlot(): void {
  const next = waitingForWorker.shift();
  if (next) next();
  else liveWorkers--;
}

interface WorkerInput {
  readonly source: string;
  readonly flags: string;
}

interface MatchRequest {
  readonly bytes: Uint8Array;
  /** Triples: record index, field start, field length (in `bytes`). */
  readonly spans: Int32Array;
  readonly records: number;
}

interface MatchAnswer {
  readonly matched: Uint8Array;
}

if (!isMainThread && parentPort) {
  const port = parentPort;
  const { source, flags } = workerData as WorkerInput;
  const pattern = new RegExp(source, flags);
  port.on('message', ({ bytes, spans, records }: MatchRequest) => {
    const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const matched = new Uint8Array(records);
    for (let i = 0; i < spans.length; i += 3) {
      const record = spans[i]!;
      if (matched[record] === 1) continue;
      const start = spans[i + 1]!;
      if (pattern.test(text.toString('utf8', start, start + spans[i + 2]!))) matched[record] = 1;
    }
    const answer: MatchAnswer = { matched };
    port.postMessage(answer, [matched.buffer]);
  });
}
