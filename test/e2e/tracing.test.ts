import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { freePort, spanTag, startJaeger, waitFor, type JaegerServer, type JaegerSpan } from '@strom/testing';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanEnv, mainOf } from './app-process.js';

/**
 * OpenTelemetry traces of `npm start`'s process, turned on by the standard OTEL_* variables and
 * received by a real OTLP endpoint (Jaeger), with kafkajs as the client: a Produce request's span
 * with the partition's append under it, linked to the trace each record's `traceparent` header
 * names; a Fetch's span with the partition read; a consumer group's requests with the bus
 * requests to the group coordinator under them.
 */
const SERVICE = 'strom-tracing-e2e';
const PRODUCER_TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const producerSpan = (n: number): string => `00f067aa0ba902b${n}`;

describe('OpenTelemetry traces of the embedded broker, in Jaeger', () => {
  let jaeger: JaegerServer;
  let strom: ChildProcess;
  let dataDir: string;
  let kafka: Kafka;
  let spans: JaegerSpan[] = [];

  beforeAll(async () => {
    jaeger = await startJaeger();
    dataDir = mkdtempSync(join(tmpdir(), 'strom-tracing-'));
    const port = await freePort();
    strom = spawn(process.execPath, [mainOf('strom'), 'start', '--port', String(port), '--admin-port', '0', '--data-dir', dataDir], {
      env: {
        ...cleanEnv(),
        OTEL_EXPORTER_OTLP_ENDPOINT: jaeger.otlpHttpEndpoint,
        OTEL_SERVICE_NAME: SERVICE,
        OTEL_BSP_SCHEDULE_DELAY: '100',
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    await new Promise<void>((resolve, reject) => {
      createInterface({ input: strom.stdout! }).on('line', (line) => {
        if (line.includes('ready (embedded)')) resolve();
      });
      strom.once('exit', (code) => reject(new Error(`strom exited (${code}) before it was ready`)));
    });
    kafka = new Kafka({ clientId: 'tracing-e2e', brokers: [`127.0.0.1:${port}`], logLevel: logLevel.NOTHING, retry: { retries: 5 } });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'traced', numPartitions: 1 }] });
    await admin.disconnect();

    const producer = kafka.producer();
    await producer.connect();
    await producer.send({
      topic: 'traced',
      messages: [
        { value: 'untraced' },
        ...[1, 2, 3].map((n) => ({ value: `traced ${n}`, headers: { traceparent: `00-${PRODUCER_TRACE}-${producerSpan(n)}-01` } })),
      ],
    });
    await producer.disconnect();

    const consumer = kafka.consumer({ groupId: 'tracing-group' });
    await consumer.connect();
    await consumer.subscribe({ topic: 'traced', fromBeginning: true });
    let received = 0;
    await consumer.run({ eachMessage: async () => void received++ });
    await waitFor('the consumer to read the records', async () => received >= 4, 30_000);
    await consumer.disconnect();

    await waitFor(
      'the spans in Jaeger',
      async () => {
        spans = await jaeger.spans(SERVICE);
        return ['produce traced', 'fetch traced', 'JoinGroup', 'SyncGroup', 'OffsetCommit', 'LeaveGroup'].every((name) =>
          spans.some((span) => span.operationName === name),
        );
      },
      30_000,
      250,
    );
  }, 600_000);

  afterAll(async () => {
    if (strom && strom.exitCode === null) {
      strom.kill('SIGTERM');
      await new Promise((resolve) => strom.once('exit', resolve));
    }
    await jaeger?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  const byId = (spanId: string | undefined) => spans.find((span) => span.spanID === spanId);
  const parentOf = (span: JaegerSpan) => byId(span.references.find((ref) => ref.refType === 'CHILD_OF')?.spanID);

  it("a Produce request's span holds the partition's append, with the offset it got and links to each traced record's producer", () => {
    const append = spans.find((span) => span.operationName === 'produce traced')!;
    expect(spanTag(append, 'messaging.system')).toBe('kafka');
    expect(spanTag(append, 'messaging.destination.name')).toBe('traced');
    expect(spanTag(append, 'messaging.destination.partition.id')).toBe('0');
    expect(spanTag(append, 'messaging.kafka.offset')).toBe(0);
    expect(spanTag(append, 'messaging.batch.message_count')).toBe(4);
    const request = parentOf(append)!;
    expect(request.operationName).toBe('Produce');
    expect(spanTag(request, 'span.kind')).toBe('server');
    expect(spanTag(request, 'messaging.client.id')).toBe('tracing-e2e');
    const links = append.references.filter((ref) => ref.refType === 'FOLLOWS_FROM');
    expect(links.map((link) => [link.traceID, link.spanID])).toEqual([1, 2, 3].map((n) => [PRODUCER_TRACE, producerSpan(n)]));
  });

  it("a Fetch request's span holds the partition read, from the fetch offset, with the records it returned", () => {
    const reads = spans.filter((span) => span.operationName === 'fetch traced');
    const first = reads.find((span) => spanTag(span, 'messaging.kafka.offset') === 0)!;
    expect(spanTag(first, 'messaging.batch.message_count')).toBe(4);
    expect(spanTag(first, 'messaging.destination.partition.id')).toBe('0');
    expect(parentOf(first)?.operationName).toBe('Fetch');
  });

  it("a consumer group's requests hold the bus requests to the group coordinator, and its handling of them", () => {
    for (const name of ['JoinGroup', 'SyncGroup', 'OffsetCommit', 'LeaveGroup']) {
      const request = spans.find((span) => span.operationName === name)!;
      const sent = spans.filter((span) => parentOf(span) === request && span.operationName.startsWith('send strom.coordinator.'));
      expect(sent.length, name).toBeGreaterThan(0);
      const handled = spans.filter((span) => sent.includes(parentOf(span)!) && span.operationName.startsWith('process strom.coordinator.'));
      expect(handled.length, name).toBe(sent.length);
      expect(spanTag(handled[0]!, 'messaging.destination.name')).toBe(handled[0]!.operationName.slice('process '.length));
    }
  });
});
