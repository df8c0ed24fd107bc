import { connect } from 'node:net';
import { ApiKey, createMetadataRequest, createMetadataResponse, encodeRequestFrame, FrameReader } from '@strom/protocol';
import { createLogger } from '@strom/runtime';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiRouter } from '../src/api/router.js';
import { KafkaListener } from '../src/network/kafka-listener.js';
import { DurationHistogram, RequestStats } from '../src/network/request-stats.js';
import { API_AUTHORIZATION } from '../src/security/api-authorization.js';
import { testListenerOptions, until } from './listener-options.js';

const logger = createLogger('request-stats-test', 'silent');

describe('DurationHistogram', () => {
  it('counts each duration in the first bucket whose bound holds it, and estimates quantiles by bucket bound', () => {
    const histogram = new DurationHistogram();
    for (let i = 0; i < 98; i++) histogram.observe(0.3);
    histogram.observe(40);
    histogram.observe(60_000);
    expect(histogram.count).toBe(100);
    expect(histogram.sumMs).toBeCloseTo(98 * 0.3 + 40 + 60_000);
    expect(histogram.quantileMs(0.5)).toBe(0.5);
    expect(histogram.quantileMs(0.99)).toBe(50);
    expect(histogram.quantileMs(1)).toBe(Number.POSITIVE_INFINITY);
    expect(new DurationHistogram().quantileMs(0.5)).toBe(0);
  });
});

describe('request times', () => {
  let listener: KafkaListener | undefined;

  afterEach(async () => {
    await listener?.stop(100);
    listener = undefined;
  });

  it('records each answered request once its response is written, split into handling and sending', async () => {
    const stats = new RequestStats();
    const router = new ApiRouter(API_AUTHORIZATION);
    router.register(ApiKey.Metadata, async () => {
      await new Promise((resolve) => setTimeout(resolve, 30));
      return createMetadataResponse();
    });
    listener = new KafkaListener(
      testListenerOptions(logger, { requestStats: stats }),
      router,
      logger,
      () => createMetadataResponse() as never,
    );
    const port = await listener.start();
    const socket = connect({ host: '127.0.0.1', port });
    const reader = new FrameReader({ maxFrameBytes: 1 << 20 });
    let frames = 0;
    socket.on('data', (chunk: Buffer) => (frames += reader.push(chunk).length));
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    for (let correlationId = 1; correlationId <= 3; correlationId++)
      socket.write(
        encodeRequestFrame(
          { apiKey: ApiKey.Metadata, apiVersion: 12, correlationId, clientId: 't' },
          createMetadataRequest({ topics: [] }),
        ),
      );
    await until('three responses', () => frames === 3 && stats.apis().length === 1 && stats.apis()[0]![1].total.count === 3);
    const [apiKey, times] = stats.apis()[0]!;
    expect(apiKey).toBe(ApiKey.Metadata);
    // The handler's 30 ms show in the handling time, not in the sending time.
    expect(times.handle.sumMs).toBeGreaterThanOrEqual(3 * 29);
    expect(times.send.sumMs).toBeLessThan(times.handle.sumMs);
    expect(stats.summary()).toEqual({ Metadata: expect.objectContaining({ requests: 3, handleP50Ms: 50 }) });
    socket.destroy();
  });
});
