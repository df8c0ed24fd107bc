import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { openMetadataStore, type MetadataDatabase } from './connect.js';
import { MetadataError } from './errors.js';
import { MetadataStore } from './metadata-store.js';
import { BrokerRepository } from './repositories/brokers.js';
import { BrokerConfigRepository } from './repositories/configs.js';
import { MembershipRepository } from './repositories/membership.js';
import { GroupOffsetRepository } from './repositories/offsets.js';
import { PartitionRepository } from './repositories/partitions.js';
import { ProducerIdRepository } from './repositories/producer-ids.js';
import { SecurityRepository } from './repositories/security.js';
import { TopicRepository } from './repositories/topics.js';

// PGlite runs Postgres as WebAssembly on the thread that calls it: every query blocks that
// thread until it is done (measured: 5-7 ms for a lease renewal, 23-32 ms for an offset commit
// transaction). In the broker's process that thread is the event loop serving Kafka clients, so
// embedded mode runs the store on a worker thread and calls its repositories by message.

/** The repositories a worker store serves, with the classes their methods come from. */
const REPOSITORIES = {
  brokers: BrokerRepository,
  brokerConfigs: BrokerConfigRepository,
  topics: TopicRepository,
  partitions: PartitionRepository,
  membership: MembershipRepository,
  offsets: GroupOffsetRepository,
  producerIds: ProducerIdRepository,
  security: SecurityRepository,
} as const;
type RepositoryName = keyof typeof REPOSITORIES;
/** Store-level methods (besides close). */
const STORE_METHODS = ['version', 'clusterId'] as const;

interface Call {
  id: number;
  target: RepositoryName | 'store';
  method: string;
  args: unknown[];
}
type Reply =
  | { id: number; ok: true; value: unknown }
  | { id: number; ok: false; error: { name: string; message: string; code?: string; stack?: string } };
type Started = { ready: true } | { ready: false; error: string };

/** Most calls waiting for the worker at once: a bound, far above what the services issue. */
const MAX_PENDING_CALLS = 100_000;

/**
 * Opens the store on a worker thread and returns a MetadataStore whose repository methods run
 * there. Arguments and results cross by structured clone (bigint, Date, Uint8Array survive);
 * MetadataError keeps its code. `close()` closes the store and ends the worker.
 */
export async function openMetadataStoreInWorker(database: MetadataDatabase): Promise<MetadataStore> {
  // From the TypeScript sources (tests), the worker runs the built module: Node's type stripping
  // cannot load the repositories (parameter properties), and `npm test` builds first.
  const fromSource = import.meta.url.endsWith('.ts');
  const worker = new Worker(new URL(fromSource ? '../dist/store-worker.js' : './store-worker.js', import.meta.url), {
    workerData: database,
    // The built worker imports built workspace packages (@strom/replication's dist), not the
    // sources the test runner's export condition would pick.
    ...(fromSource ? { execArgv: withoutSourceCondition(process.execArgv) } : {}),
  });
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  let nextId = 0;
  let failure: Error | undefined;
  const failAll = (error: Error): void => {
    failure ??= error;
    for (const call of pending.values()) call.reject(error);
    pending.clear();
  };
  const started = new Promise<void>((resolve, reject) => {
    worker.once('message', (message: Started) => (message.ready ? resolve() : reject(new Error(message.error))));
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`metadata store worker exited with ${code} while starting`)));
  });
  await started;
  worker.on('message', (reply: Reply) => {
    const call = pending.get(reply.id);
    if (!call) return;
    pending.delete(reply.id);
    if (reply.ok) call.resolve(reply.value);
    else call.reject(reviveError(reply.error));
  });
  worker.on('error', (error) => failAll(error));
  worker.on('exit', (code) => failAll(new Error(`metadata store worker exited with ${code}`)));

  const call = (target: Call['target'], method: string, args: unknown[]): Promise<unknown> => {
    if (failure) return Promise.reject(failure);
    if (pending.size >= MAX_PENDING_CALLS) return Promise.reject(new Error('metadata store worker: too many calls waiting'));
    const id = nextId++;
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject });
      worker.postMessage({ id, target, method, args } satisfies Call);
    });
  };

  const store: Record<string, unknown> = {};
  for (const [name, repository] of Object.entries(REPOSITORIES) as [RepositoryName, (typeof REPOSITORIES)[RepositoryName]][]) {
    const proxy: Record<string, (...args: unknown[]) => Promise<unknown>> = {};
    for (const method of Object.getOwnPropertyNames(repository.prototype)) {
      if (method !== 'constructor') proxy[method] = (...args) => call(name, method, args);
    }
    store[name] = proxy;
  }
  for (const method of STORE_METHODS) store[method] = () => call('store', method, []);
  store['close'] = async () => {
    try {
      await call('store', 'close', []);
    } finally {
      await worker.terminate();
    }
  };
  Object.setPrototypeOf(store, MetadataStore.prototype);
  return store as unknown as MetadataStore;
}

/** Node flags without `--conditions strom-source` (either spelling). */
function withoutSourceCondition(execArgv: readonly string[]): string[] {
  const kept: string[] = [];
  for (let i = 0; i < execArgv.length; i++) {
    const arg = execArgv[i]!;
    if ((arg === '--conditions' || arg === '-C') && execArgv[i + 1] === 'strom-source') i++;
    else if (arg !== '--conditions=strom-source') kept.push(arg);
  }
  return kept;
}

function reviveError(error: { name: string; message: string; code?: string; stack?: string }): Error {
  const revived =
    error.name === 'MetadataError' && error.code
      ? new MetadataError(error.code as MetadataError['code'], error.message)
      : new Error(error.message);
  if (error.stack) revived.stack = error.stack;
  return revived;
}

async function serve(database: MetadataDatabase): Promise<void> {
  const port = parentPort!;
  let store: MetadataStore;
  try {
    store = await openMetadataStore(database);
  } catch (error) {
    port.postMessage({ ready: false, error: error instanceof Error ? (error.stack ?? error.message) : String(error) } satisfies Started);
    return;
  }
  port.on('message', (message: Call) => {
    const run = async (): Promise<unknown> => {
      if (message.target === 'store') {
        if (message.method === 'close') return store.close();
        if ((STORE_METHODS as readonly string[]).includes(message.method))
          return (store[message.method as (typeof STORE_METHODS)[number]] as () => Promise<unknown>).call(store);
        throw new Error(`metadata store has no method ${message.method}`);
      }
      const repository = store[message.target] as unknown as Record<string, unknown>;
      const method = repository?.[message.method];
      if (typeof method !== 'function') throw new Error(`metadata store has no method ${message.target}.${message.method}`);
      return (method as (...args: unknown[]) => Promise<unknown>).apply(repository, message.args);
    };
    run().then(
      (value) => port.postMessage({ id: message.id, ok: true, value } satisfies Reply),
      (error: unknown) => {
        const e = error instanceof Error ? error : new Error(String(error));
        port.postMessage({
          id: message.id,
          ok: false,
          error: { name: e.name, message: e.message, code: (e as { code?: unknown }).code as string | undefined, stack: e.stack },
        } satisfies Reply);
      },
    );
  });
  port.postMessage({ ready: true } satisfies Started);
}

if (!isMainThread && parentPort && (workerData as MetadataDatabase | undefined)?.kind) void serve(workerData as MetadataDatabase);
