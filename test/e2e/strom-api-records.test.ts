import { KafkaConnection } from '@strom/kafka-client';
import { ApiKey, createMetadataRequest, createMetadataRequestTopic, createProduceRequest, encodeRecordBatch } from '@strom/protocol';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { CompressionTypes, Kafka, logLevel, Partitioners, type Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedStrom, type EmbeddedStrom } from './embedded-harness.js';

interface SearchAnswer {
  records: {
    partition: number;
    offset: number;
    timestamp: number;
    key: string | null;
    value: string | null;
    headers: { key: string; value: string | null }[];
  }[];
  scanned_records: number;
  stopped_by: string;
  next: { partition: number; offset: number; end_offset: number }[];
  cursor: string | null;
}

/** Record times an hour back, inside retention, a second apart. */
const BASE_TIME_MS = Date.now() - 3_600_000;

const text = (base64: string | null) => (base64 === null ? null : Buffer.from(base64, 'base64').toString('utf8'));

/** Strom's record search (`GET /strom/v1/topics/{t}/records`) over records a kafkajs producer wrote. */
describe('Strom API: searching records', () => {
  let strom: EmbeddedStrom;
  let producer: Producer;
  let base: string;

  let ajv: Ajv;

  /** Throws when `body` does not match `schema` of the served /strom/v1/openapi.json. */
  function check(schema: string, body: unknown): void {
    const validate = ajv.getSchema(`strom#/components/schemas/${schema}`)!;
    if (!validate(body)) throw new Error(`not a valid ${schema}: ${ajv.errorsText(validate.errors)}`);
  }

  /** A search, its answer checked against the served document (RecordSearch, or Error). */
  async function search(topic: string, query: string): Promise<{ status: number; body: SearchAnswer }> {
    const response = await fetch(`${base}/strom/v1/topics/${encodeURIComponent(topic)}/records?${query}`);
    const body = (await response.json()) as SearchAnswer;
    check(response.status === 200 ? 'RecordSearch' : 'Error', body);
    return { status: response.status, body };
  }

  beforeAll(async () => {
    strom = await startEmbeddedStrom();
    base = `http://127.0.0.1:${strom.running.httpPort}`;
    const document = (await (await fetch(`${base}/strom/v1/openapi.json`)).json()) as { components: unknown };
    ajv = new Ajv({ strict: false, allErrors: true });
    addFormats.default(ajv);
    ajv.addSchema({ components: document.components }, 'strom');
    const kafka = new Kafka({ clientId: 'strom-api-search', brokers: [strom.bootstrap], logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({
      topics: [
        { topic: 'orders', numPartitions: 2 },
        { topic: 'large', numPartitions: 5 },
      ],
    });
    await admin.disconnect();
    producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    for (let batch = 0; batch < 4; batch++) {
      await producer.send({
        topic: 'orders',
        messages: Array.from({ length: 50 }, (_, i) => {
          const n = batch * 50 + i;
          return {
            partition: n % 2,
            key: `order-${n}`,
            value: JSON.stringify({ n, customer: n === 137 ? 'needle-customer' : `customer-${n % 7}` }),
            headers: n === 42 ? { trace: 'needle-in-header' } : {},
            timestamp: String(BASE_TIME_MS + n * 1000),
          };
        }),
      });
    }
  });
  afterAll(async () => {
    await producer?.disconnect();
    await strom?.stop();
  });

  it('serves one OpenAPI document at /strom/v1 and /v3, with the search and the overview; the overview matches it', async () => {
    const document = (await (await fetch(`${base}/strom/v1/openapi.json`)).json()) as { paths: Record<string, unknown> };
    expect(await (await fetch(`${base}/v3/openapi.json`)).json()).toEqual(document);
    expect(Object.keys(document.paths)).toEqual(
      expect.arrayContaining([
        '/strom/v1/overview',
        '/strom/v1/topics/{topic_name}/records',
        '/strom/v1/clusters/{cluster_id}/consumer-groups/{consumer_group_id}/offsets:reset',
        '/v3/clusters/{cluster_id}/topics',
      ]),
    );
    const overview = async () => {
      const answer = (await (await fetch(`${base}/strom/v1/overview`)).json()) as Record<string, unknown>;
      check('Overview', answer);
      return answer;
    };
    const first = await overview();
    expect(first).toMatchObject({
      brokers: [{ broker_id: 1, host: '127.0.0.1', port: strom.port, rack: null }],
      topics_count: 2,
      under_replicated_partitions: 0,
      offline_partitions: 0,
    });
    expect(first['partitions_count']).toBeGreaterThanOrEqual(7);
    expect(first['throughput'] === null).toBe(typeof first['throughput_unavailable_reason'] === 'string');
    // The broker reports its traffic on the bus every second: two reports make a rate, the same shape as in distributed mode.
    await expect
      .poll(async () => (await overview())['throughput'], { timeout: 10_000, interval: 200 })
      .toMatchObject({
        bytes_in_per_sec: 0,
        bytes_out_per_sec: 0,
        messages_in_per_sec: 0,
        brokers: [{ broker_id: 1, bytes_in_per_sec: 0, bytes_out_per_sec: 0, messages_in_per_sec: 0, window_ms: expect.any(Number) }],
      });
  });

  it('finds a record by a substring of its value, its key or a header, scanning every record once', async () => {
    const byValue = await search('orders', 'filter=needle-customer&fields=value');
    expect(byValue.status).toBe(200);
    expect(byValue.body.records.map((r) => [r.partition, text(r.key)])).toEqual([[1, 'order-137']]);
    expect(byValue.body).toMatchObject({ scanned_records: 200, stopped_by: 'end', cursor: null });
    const byHeader = await search('orders', 'filter=needle&fields=headers');
    expect(byHeader.body.records.map((r) => [text(r.key), r.headers.map((h) => [h.key, text(h.value)])])).toEqual([
      ['order-42', [['trace', 'needle-in-header']]],
    ]);
    const byKey = await search('orders', 'filter=needle&fields=key');
    expect(byKey.body.records).toEqual([]);
    const byRegex = await search('orders', `filter=${encodeURIComponent('^ORDER-1[0-9]$')}&filter_mode=regex&ignore_case=true&fields=key`);
    expect(byRegex.body.records.map((r) => text(r.key)).sort()).toEqual(Array.from({ length: 10 }, (_, i) => `order-1${i}`).sort());
  });

  it('pages with a cursor until every partition reaches its end', async () => {
    const seen: string[] = [];
    let query = 'limit=30&filter=customer-3&fields=value';
    for (let page = 0; page < 20; page++) {
      const { body } = await search('orders', query);
      seen.push(...body.records.map((r) => text(r.key)!));
      if (body.cursor === null) break;
      expect(body.stopped_by).toBe('limit');
      query = `limit=30&filter=customer-3&fields=value&cursor=${body.cursor}`;
    }
    const expected = Array.from({ length: 200 }, (_, n) => n)
      .filter((n) => n % 7 === 3 && n !== 137)
      .map((n) => `order-${n}`);
    expect(seen.sort()).toEqual(expected.sort());
  });

  it('starts at an offset, a timestamp or the end, and stops at its scan bound with a cursor', async () => {
    const fromOffset = await search('orders', 'partition=0&from=offset&offset=95&limit=10');
    expect(fromOffset.body.records.map((r) => r.offset)).toEqual([95, 96, 97, 98, 99]);
    const fromTime = await search('orders', `partition=1&from=timestamp&timestamp=${new Date(BASE_TIME_MS + 191_000).toISOString()}`);
    expect(fromTime.body.records.map((r) => text(r.key))).toEqual(['order-191', 'order-193', 'order-195', 'order-197', 'order-199']);
    const fromEnd = await search('orders', 'from=end&limit=2');
    expect(fromEnd.body.records.map((r) => text(r.key))).toEqual(['order-198', 'order-199']);
    const bounded = await search('orders', 'partition=0&max_scan=25&filter=nothing-has-this');
    expect(bounded.body).toMatchObject({ records: [], scanned_records: 25, stopped_by: 'scan', cursor: '0:25' });
  });

  it('filters the records of gzip-compressed batches', async () => {
    await producer.send({
      topic: 'orders',
      compression: CompressionTypes.GZIP,
      messages: Array.from({ length: 20 }, (_, i) => ({
        partition: 0,
        key: `zipped-${i}`,
        value: i === 13 ? 'gzip-needle' : `zipped value ${i}`,
      })),
    });
    const { body } = await search('orders', 'partition=0&from=offset&offset=100&filter=gzip-needle');
    expect(body.records.map((r) => [r.offset, text(r.key), text(r.value)])).toEqual([[113, 'zipped-13', 'gzip-needle']]);
    expect(body).toMatchObject({ scanned_records: 20, stopped_by: 'end' });
  });

  it('reads every partition when the first ones fill a whole Fetch response (4 MiB) and the last gets no whole batch in it', async () => {
    const connection = await KafkaConnection.connectTo(strom.bootstrap, { clientId: 'strom-api-search', requestTimeoutMs: 30_000 });
    const metadata = await connection.request(
      ApiKey.Metadata,
      createMetadataRequest({ topics: [createMetadataRequestTopic({ name: 'large' })] }),
    );
    const topicId = metadata.body.topics[0]!.topicId;
    const batch = (records: number, valueBytes: number, last: string) =>
      encodeRecordBatch({
        baseTimestamp: BigInt(Date.now()),
        records: Array.from({ length: records }, (_, i) => ({ value: Buffer.from(i === records - 1 ? last : 'x'.repeat(valueBytes)) })),
      });
    const produce = async (partition: number, records: Buffer) => {
      const response = await connection.request(
        ApiKey.Produce,
        createProduceRequest({
          acks: 1,
          timeoutMs: 30_000,
          topicData: [{ name: 'large', topicId, partitionData: [{ index: partition, records }] }],
        }),
      );
      expect(response.body.responses[0]!.partitionResponses[0]!.errorCode).toBe(0);
    };
    // Partitions 0 to 3: two batches of ~1 MB each, so the first Fetch response (1 MiB a partition,
    // 4 MiB in all) is filled by their first batches and partition 4's ~1 MB batch does not fit in
    // it; the last record of each partition is a match.
    const filler = batch(1000, 1000, 'x');
    for (const partition of [0, 1, 2, 3]) {
      await produce(partition, filler);
      await produce(partition, batch(1000, 1000, `large-needle in partition ${partition}`));
    }
    await produce(4, batch(1000, 1000, 'large-needle in partition 4'));
    connection.close();
    const { body } = await search('large', 'filter=large-needle');
    expect(body.records.map((r) => [r.partition, r.offset, text(r.value)]).sort()).toEqual([
      [0, 1_999, 'large-needle in partition 0'],
      [1, 1_999, 'large-needle in partition 1'],
      [2, 1_999, 'large-needle in partition 2'],
      [3, 1_999, 'large-needle in partition 3'],
      [4, 999, 'large-needle in partition 4'],
    ]);
    expect(body).toMatchObject({ scanned_records: 9_000, stopped_by: 'end' });
  });

  it('runs a regex on a worker bounded by the time budget: a pattern that backtracks for ever answers when the budget runs out, and the API answers meanwhile', async () => {
    // The syntax JavaScript and RE2 share: backreferences and lookaround are refused as malformed.
    expect(await search('orders', `filter=${encodeURIComponent('(a)\\1')}&filter_mode=regex`)).toMatchObject({ status: 400 });
    expect(await search('orders', `filter=${encodeURIComponent('a(?=b)')}&filter_mode=regex`)).toMatchObject({ status: 400 });
    await producer.send({ topic: 'orders', messages: [{ key: 'redos', value: `${'a'.repeat(40)}!` }] });
    const found = await search('orders', `filter=${encodeURIComponent('^(a+)+!$')}&filter_mode=regex&fields=value`);
    expect(found.body.records.map((record) => text(record.key))).toEqual(['redos']);
    // RegExp takes 2^40 steps for this pattern on that value: the search stops it when its 2 s are up,
    // and the API answers meanwhile (on the event loop, the regex would hold it for minutes).
    const startedMs = Date.now();
    const stuck = search('orders', `filter=${encodeURIComponent('^(a+)+$')}&filter_mode=regex&fields=value&timeout_ms=2000`);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const askedMs = Date.now();
    expect((await fetch(`${base}/strom/v1/overview`)).status).toBe(200);
    expect(Date.now() - askedMs).toBeLessThan(1_000);
    const { status, body } = await stuck;
    expect(Date.now() - startedMs).toBeLessThan(5_000);
    expect(status).toBe(200);
    expect(body).toMatchObject({ records: [], stopped_by: 'time' });
    expect(body.cursor).not.toBeNull();
  });

  it('answers bad queries and unknown topics in v3 error shape', async () => {
    expect(await search('orders', 'from=yesterday')).toMatchObject({ status: 400, body: { error_code: 400 } });
    expect(await search('orders', `filter=${encodeURIComponent('(')}&filter_mode=regex`)).toMatchObject({ status: 400 });
    expect(await search('orders', 'limit=100000')).toMatchObject({ status: 400 });
    expect(await search('orders', 'partition=9')).toMatchObject({ status: 404, body: { error_code: 40402 } });
    expect(await search('no-such-topic', '')).toMatchObject({ status: 404, body: { error_code: 40401 } });
  });
});
