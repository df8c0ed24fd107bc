import { ErrorCode } from '@strom/errors';
import {
  ApiKey,
  createInitProducerIdRequest,
  decodeResponse,
  encodeRecordBatch,
  encodeRequestFrame,
  type ProduceResponse,
} from '@strom/protocol';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedStrom, type EmbeddedStrom } from './embedded-harness.js';
import { RawClient } from './raw-client.js';

describe('idempotent producers on embedded Strom', () => {
  let strom: EmbeddedStrom;
  let kafka: Kafka;

  beforeAll(async () => {
    strom = await startEmbeddedStrom();
    kafka = new Kafka({ clientId: 'e2e-idempotent', brokers: [strom.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 3 } });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'idem', numPartitions: 1 }] });
    await admin.disconnect();
  });
  afterAll(async () => strom?.stop());

  it('gives kafkajs an idempotent producer id and accepts its batches', async () => {
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    for (let i = 0; i < 5; i++) await producer.send({ topic: 'idem', acks: -1, messages: [{ value: `m${i}` }] });
    await producer.disconnect();
    const admin = kafka.admin();
    await admin.connect();
    expect((await admin.fetchTopicOffsets('idem'))[0]!.high).toBe('5');
    await admin.disconnect();
  });

  it('answers a retried batch with its original offset and refuses a sequence gap', async () => {
    const client = await RawClient.connect(strom.port);
    let correlationId = 0;
    const request = async <K extends ApiKey>(apiKey: K, apiVersion: number, body: unknown) => {
      client.send(encodeRequestFrame({ apiKey, apiVersion, correlationId: ++correlationId, clientId: 'raw' }, body as never));
      return decodeResponse(apiKey, apiVersion, await client.nextFrame()).body;
    };
    const init = await request(
      ApiKey.InitProducerId,
      4,
      createInitProducerIdRequest({ transactionalId: null, transactionTimeoutMs: 60_000, producerId: -1n, producerEpoch: -1 }),
    );
    expect(init.errorCode).toBe(0);
    const produce = async (baseSequence: number) => {
      const records = encodeRecordBatch({
        baseTimestamp: BigInt(Date.now()),
        producerId: (init as { producerId: bigint }).producerId,
        producerEpoch: 0,
        baseSequence,
        records: [{ value: Buffer.from(`seq-${baseSequence}`) }, { value: Buffer.from(`seq-${baseSequence + 1}`) }],
      });
      const response = (await request(ApiKey.Produce, 9, {
        transactionalId: null,
        acks: -1,
        timeoutMs: 5000,
        topicData: [{ name: 'idem', partitionData: [{ index: 0, records }] }],
      })) as ProduceResponse;
      return response.responses[0]!.partitionResponses[0]!;
    };
    const first = await produce(0);
    expect(first.errorCode).toBe(0);
    const retry = await produce(0);
    expect(retry.errorCode).toBe(0);
    expect(retry.baseOffset).toBe(first.baseOffset);
    const next = await produce(2);
    expect(next.baseOffset).toBe(first.baseOffset + 2n);
    const gap = await produce(10);
    expect(gap.errorCode).toBe(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
    client.end();
  });
});
