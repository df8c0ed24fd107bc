import { ServerConfig } from '@strom/config';
import { BusNoRespondersError, NatsBus, requestJson } from '@strom/bus';
import { MetadataSubjects } from '@strom/contracts';
import { openMetadataStore, type MetadataStore } from '@strom/metadata-store';
import { bootApp, compose, createLogger, type RunningApp } from '@strom/runtime';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { MetadataModule, MetadataService, metadataOptions } from '../src/index.js';

describe('the metadata service as a NestJS app on a real nats-server', () => {
  let serviceBus: NatsBus;
  let clientBus: NatsBus;
  let store: MetadataStore;
  let running: RunningApp;

  beforeAll(async () => {
    serviceBus = await NatsBus.connect({ servers: inject('natsUrl'), name: 'metadata-under-test' });
    clientBus = await NatsBus.connect({ servers: inject('natsUrl'), name: 'metadata-client' });
    store = await openMetadataStore({ kind: 'journal', dataDir: 'memory' });
    running = await bootApp({
      name: 'metadata-test',
      module: compose({ bus: serviceBus, logger: createLogger('test', 'silent'), metadataStore: store }, [
        MetadataModule.forRoot(metadataOptions(ServerConfig.resolve({}))),
      ]) as never,
      logger: createLogger('test', 'silent'),
      shutdownTimeoutMs: 10_000,
    });
  });

  afterAll(async () => {
    await running?.stop('test done');
    await Promise.all([serviceBus?.close(), clientBus?.close()]);
    await store?.close();
  });

  it('injects its dependencies (decorator metadata survives the SWC transform)', () => {
    expect(running.app.get(MetadataService)).toBeInstanceOf(MetadataService);
  });

  it("answers a request from another connection with the store's version", async () => {
    await store.topics.create({ name: 'bump', assignments: [[1]] });
    expect(await requestJson(clientBus, MetadataSubjects.version, {}, { timeoutMs: 5000 })).toEqual({
      version: String(await store.version()),
    });
  });

  it('stops answering when the app stops: requests then fail fast with no responders', async () => {
    await running.stop('checking shutdown');
    // The request timeout is far longer than the test's own: only a fast no-responders answer passes.
    await expect(clientBus.request(MetadataSubjects.version, Buffer.alloc(0), { timeoutMs: 120_000 })).rejects.toBeInstanceOf(
      BusNoRespondersError,
    );
    // Half the request timeout: a request routed to the stopped service and dropped there
    // (an UNSUB not yet flushed to the server) fails the test.
  }, 60_000);
});
