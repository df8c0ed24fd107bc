import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNatsServer, type NatsServerHandle } from '../../testing/src/nats.js';
import { BusTransportError, NatsBus } from '../src/index.js';
import { busContract } from './bus-contract.js';

let server: NatsServerHandle | undefined;

beforeAll(async () => {
  server = await startNatsServer({ jetStream: true });
}, 30_000);

afterAll(async () => {
  await server?.stop();
});

function url(): string {
  if (!server) throw new Error('nats-server did not start');
  return server.url;
}

busContract('NatsBus', async (options) => {
  const bus = await NatsBus.connect({ ...options, servers: url(), name: 'bus-contract-1' });
  const bus2 = await NatsBus.connect({ ...options, servers: url(), name: 'bus-contract-2' });
  return {
    bus,
    bus2,
    teardown: async () => {
      await Promise.all([bus.close(), bus2.close()]);
    },
  };
});

describe('NatsBus specifics', () => {
  it('fails to connect with BusTransportError, within the connect timeout', async () => {
    const started = Date.now();
    const error = await NatsBus.connect({ servers: 'nats://127.0.0.1:1', connectTimeoutMs: 1_000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BusTransportError);
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it('stores a stream as the JetStream stream strom_<name> on strom.stream.<name>', async () => {
    const bus = await NatsBus.connect({ servers: url() });
    try {
      const name = `layout_${Date.now()}`;
      await bus.stream(name).append(Buffer.from('x'));
      const jsm = await bus.jetStreamManager();
      const info = await jsm.streams.info(`strom_${name}`);
      expect(info.config.subjects).toEqual([`strom.stream.${name}`]);
      expect(info.state.messages).toBe(1);
    } finally {
      await bus.close();
    }
  });
});
