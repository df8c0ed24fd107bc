import { connect } from 'node:net';
import { ApiKey, createMetadataRequest, createMetadataResponse, decodeResponse, encodeRequestFrame, FrameReader } from '@strom/protocol';
import { createLogger } from '@strom/runtime';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiRouter } from '../src/api/router.js';
import { KafkaListener } from '../src/network/kafka-listener.js';
import { ServerConfig } from '@strom/config';
import { brokerOptions } from '../src/config.js';

/** Kafka's defaults, as the broker gets them from the configuration. */
const defaults = brokerOptions(ServerConfig.resolve({}));
import { releaseAfterWrite } from '../src/network/request-handler.js';

const logger = createLogger('connection-release-test', 'silent');

/**
 * releaseAfterWrite: how Fetch gives back the read windows its response points into. The release
 * runs once the response is written, never before, and not at all for a response never sent.
 */
describe('releasing what a response points into', () => {
  let listener: KafkaListener | undefined;

  afterEach(async () => {
    await listener?.stop(100);
    listener = undefined;
  });

  async function start(handler: () => Promise<ReturnType<typeof createMetadataResponse>>): Promise<number> {
    const router = new ApiRouter();
    router.register(ApiKey.Metadata, handler);
    listener = new KafkaListener(
      { host: '127.0.0.1', port: 0, limits: defaults.limits, maxConnections: 10 },
      router,
      logger,
      () => createMetadataResponse() as never,
    );
    return listener.start();
  }

  const request = (correlationId: number) =>
    encodeRequestFrame({ apiKey: ApiKey.Metadata, apiVersion: 12, correlationId, clientId: 't' }, createMetadataRequest({ topics: [] }));

  it('runs the release once the response is written, once per response, in order', async () => {
    const released: string[] = [];
    let calls = 0;
    const port = await start(async () => {
      const clusterId = `c${++calls}`;
      // A large body, so that the write is not over at once.
      const body = createMetadataResponse({ clusterId: clusterId.padEnd(30_000, '.') });
      releaseAfterWrite(body, () => released.push(clusterId));
      return body;
    });
    const socket = connect({ host: '127.0.0.1', port });
    const reader = new FrameReader({ maxFrameBytes: 1 << 20 });
    const frames: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => frames.push(...reader.push(chunk)));
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    socket.write(Buffer.concat([request(1), request(2), request(3)]));
    const deadline = Date.now() + 5000;
    while ((frames.length < 3 || released.length < 3) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(frames.map((f) => decodeResponse(ApiKey.Metadata, 12, f).body.clusterId!.slice(0, 2))).toEqual(['c1', 'c2', 'c3']);
    expect(released).toEqual(['c1', 'c2', 'c3']);
    socket.destroy();
  });

  it('does not run it for a response the client left before', async () => {
    let releases = 0;
    let answer!: () => void;
    const port = await start(async () => {
      await new Promise<void>((resolve) => (answer = resolve));
      const body = createMetadataResponse();
      releaseAfterWrite(body, () => releases++);
      return body;
    });
    const socket = connect({ host: '127.0.0.1', port });
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    socket.write(request(1));
    while (answer === undefined) await new Promise((r) => setTimeout(r, 10));
    socket.destroy();
    await new Promise((r) => setTimeout(r, 100));
    answer();
    await new Promise((r) => setTimeout(r, 100));
    expect(releases).toBe(0);
  });
});
