import type { Socket } from 'node:net';
import { ServerConfig } from '@strom/config';
import { ApiKey, createProduceRequest, encodeRequestFrame } from '@strom/protocol';
import type { Logger } from '@strom/runtime';
import { afterEach } from 'vitest';
import { brokerOptions } from '../src/config.js';
import { ConnectionLog } from '../src/network/connection-log.js';
import { ConnectionQuotas, type ConnectionQuotaLimits } from '../src/network/connection-quotas.js';
import type { KafkaListener, ListenerOptions } from '../src/network/kafka-listener.js';
import { RequestMemoryPool } from '../src/network/request-memory-pool.js';

/** The broker's options with Kafka's defaults, as the configuration gives them. */
export const kafkaDefaults = brokerOptions(ServerConfig.resolve({}));
/** The default listener's security settings (PLAINTEXT, with Kafka's SASL defaults for tests that switch the protocol). */
export const defaultListenerSecurity = kafkaDefaults.listeners[0]!.security;

/** A listener on 127.0.0.1, an ephemeral port, Kafka's default limits unless overridden. */
export function testListenerOptions(
  logger: Logger,
  overrides: { quotas?: Partial<ConnectionQuotaLimits>; queuedMaxRequestBytes?: number } & Partial<Omit<ListenerOptions, 'quotas'>> = {},
): ListenerOptions {
  const { quotas, queuedMaxRequestBytes, ...rest } = overrides;
  const connectionLog = rest.connectionLog ?? new ConnectionLog(logger);
  return {
    name: 'PLAINTEXT',
    host: '127.0.0.1',
    port: 0,
    limits: kafkaDefaults.limits,
    quotas: new ConnectionQuotas({ ...kafkaDefaults.connectionQuotas, ...quotas }, connectionLog),
    requestMemory: new RequestMemoryPool(queuedMaxRequestBytes ?? -1),
    connectionLog,
    ...rest,
  };
}

/** Polls `condition` every 5 ms until it holds, or throws naming `what` after `timeoutMs`. */
export async function until(what: string, condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** A Produce v9 request frame with one partition of topic `t` holding `records` (opaque bytes to a test's handler). */
export function produceRequestFrame(correlationId: number, records: Buffer, acks: -1 | 0 | 1 = -1): Buffer {
  return encodeRequestFrame(
    { apiKey: ApiKey.Produce, apiVersion: 9, correlationId, clientId: 't' },
    createProduceRequest({
      acks,
      timeoutMs: 1000,
      topicData: [{ name: 't', topicId: '00000000-0000-0000-0000-000000000000', partitionData: [{ index: 0, records }] }],
    }),
  );
}

/** A test's listener and client sockets: after each test the sockets are destroyed and the listener stopped. */
export function listenerFixture(): { listener: KafkaListener | undefined; sockets: Socket[] } {
  const fixture: { listener: KafkaListener | undefined; sockets: Socket[] } = { listener: undefined, sockets: [] };
  afterEach(async () => {
    for (const socket of fixture.sockets.splice(0)) socket.destroy();
    await fixture.listener?.stop(100);
    fixture.listener = undefined;
  });
  return fixture;
}
