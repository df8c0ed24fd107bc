import { connect } from 'node:net';
import { ApiKey, createMetadataResponse } from '@strom/protocol';
import { createLogger } from '@strom/runtime';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiRouter } from '../src/api/router.js';
import { KafkaListener } from '../src/network/kafka-listener.js';
import { API_AUTHORIZATION } from '../src/security/api-authorization.js';
import { testListenerOptions } from './listener-options.js';

/** mulberry32, so the garbage is the same every run. */
function rng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('random garbage from many connections (issue 13: ~160 log lines a second before)', () => {
  let listener: KafkaListener | undefined;
  afterEach(async () => {
    await listener?.stop(100);
    listener = undefined;
  });

  it('closes each connection, keeps serving, and writes a bounded number of log lines', async () => {
    const lines: { level: number; msg: string }[] = [];
    const logger = createLogger('garbage', 'info', {
      write: (line: string) => lines.push(JSON.parse(line) as { level: number; msg: string }),
    } as never);
    const router = new ApiRouter(API_AUTHORIZATION);
    router.register(ApiKey.Metadata, () => createMetadataResponse({}));
    listener = new KafkaListener(testListenerOptions(logger), router, logger, () => createMetadataResponse() as never);
    const port = await listener.start();
    const random = rng(13);
    let closed = 0;
    let waitedOn = 0;
    const rounds = 8 * 40;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        for (let round = 0; round < rounds / 8; round++) {
          const garbage = Buffer.from(Array.from({ length: 8 + Math.floor(random() * 200) }, () => Math.floor(random() * 256)));
          // Half with a plausible size prefix, so the header decoder sees garbage too.
          if (round % 2 === 0) garbage.writeInt32BE(garbage.length - 4, 0);
          await new Promise<void>((resolve) => {
            const socket = connect({ host: '127.0.0.1', port }, () => socket.write(garbage));
            socket.on('error', () => undefined);
            socket.on('close', () => {
              closed++;
              resolve();
            });
            // A random size prefix may announce a frame longer than what follows: the broker waits for the rest.
            socket.setTimeout(2000, () => {
              waitedOn++;
              socket.destroy();
            });
          });
        }
      }),
    );
    expect(closed).toBe(rounds);
    // Every frame with a plausible size (even rounds) was refused by the broker, not left waiting.
    expect(waitedOn).toBeLessThanOrEqual(rounds / 2);
    expect(lines.filter((line) => line.level >= 50)).toEqual([]);
    // At most 5 lines per kind of close per client host per 10 s window (one host here).
    const info = lines.filter((line) => line.level === 30);
    expect(info.length).toBeLessThanOrEqual(3 * 5);
    expect(listener.connectionCount).toBe(0);
  });
});
