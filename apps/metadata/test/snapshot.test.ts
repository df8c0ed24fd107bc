import { InProcessBus, requestJson } from '@strom/bus';
import { ServerConfig } from '@strom/config';
import { MetadataSubjects, type ClusterSnapshot, type RegisterBrokerRequest } from '@strom/contracts';
import { openMetadataStore, type MetadataStore } from '@strom/metadata-store';
import { bootApp, compose, createLogger, type RunningApp } from '@strom/runtime';
import { afterEach, describe, expect, it } from 'vitest';
import { MetadataModule, metadataOptions } from '../src/index.js';

const timeoutMs = 5000;

function registration(id: number): RegisterBrokerRequest {
  return {
    id,
    endpoints: [{ name: 'PLAINTEXT', host: '127.0.0.1', port: 9000 + id, securityProtocol: 'PLAINTEXT' }],
    rack: null,
    leaseMs: 60_000,
  };
}

describe('a metadata snapshot', () => {
  let bus: InProcessBus;
  let store: MetadataStore;
  let running: RunningApp | undefined;

  afterEach(async () => {
    await running?.stop('test done');
    running = undefined;
    await store?.close();
    await bus?.close();
  });

  // A broker ignores announcements of versions it holds: a snapshot labelled with a change it
  // does not contain would hide that change from the broker until the next one.
  it('never carries a version newer than its data, even when a change commits while it is read', async () => {
    bus = new InProcessBus();
    store = await openMetadataStore({ kind: 'journal', dataDir: 'memory' });
    const logger = createLogger('test', 'silent');
    running = await bootApp({
      name: 'metadata-snapshot-test',
      module: compose({ bus, logger, metadataStore: store }, [MetadataModule.forRoot(metadataOptions(ServerConfig.resolve({})))]) as never,
      logger,
      shutdownTimeoutMs: 10_000,
    });
    await requestJson(bus, MetadataSubjects.registerBroker, registration(1), { timeoutMs });

    // The second broker registers while the snapshot is being read: as the version is read, and
    // once more as the broker list is read.
    for (const raced of ['version', 'list'] as const) {
      const id = raced === 'version' ? 2 : 3;
      const target = raced === 'version' ? store : store.brokers;
      const original = (target as unknown as Record<string, () => Promise<unknown>>)[raced]!;
      let once = true;
      (target as unknown as Record<string, () => Promise<unknown>>)[raced] = async function (this: unknown, ...args: []) {
        if (once) {
          once = false;
          await requestJson(bus, MetadataSubjects.registerBroker, registration(id), { timeoutMs });
        }
        return original.apply(this, args);
      };
      const snapshot = await requestJson<ClusterSnapshot>(bus, MetadataSubjects.snapshot, {}, { timeoutMs });
      (target as unknown as Record<string, () => Promise<unknown>>)[raced] = original;
      const after = await requestJson<ClusterSnapshot>(bus, MetadataSubjects.snapshot, {}, { timeoutMs });
      expect(after.brokers.map((broker) => broker.id)).toContain(id);
      if (BigInt(snapshot.version) >= BigInt(after.version)) {
        expect(snapshot.brokers.map((broker) => broker.id)).toContain(id);
      }
      expect(BigInt(snapshot.version)).toBeLessThanOrEqual(BigInt(after.version));
    }
  });
});
