import { parseExposition, type Exposition } from '@strom/testing';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedStrom, type EmbeddedStrom } from './embedded-harness.js';

const TOPIC = 'metered';
const RECORDS = 20;

describe('/metrics of embedded Strom, read after a real Kafka client produced and consumed', () => {
  let strom: EmbeddedStrom;
  let kafka: Kafka;
  let scrape: () => Promise<Exposition>;

  beforeAll(async () => {
    strom = await startEmbeddedStrom();
    const url = `http://127.0.0.1:${strom.running.httpPort}/metrics`;
    scrape = async () => {
      const response = await fetch(url);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
      return parseExposition(await response.text());
    };
    kafka = new Kafka({ clientId: 'e2e-metrics', brokers: [strom.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 5 } });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 2 }] });
    await admin.disconnect();
  });
  afterAll(async () => strom?.stop());

  it("is valid Prometheus text, with the families Strimzi's dashboards query, before any traffic", async () => {
    const metrics = await scrape();
    expect(metrics.value('kafka_controller_kafkacontroller_activecontrollercount')).toBe(1);
    expect(metrics.value('kafka_controller_kafkacontroller_offlinepartitionscount')).toBe(0);
    expect(metrics.value('kafka_server_replicamanager_underreplicatedpartitions')).toBe(0);
    expect(metrics.value('kafka_server_replicamanager_leadercount')).toBeGreaterThanOrEqual(2);
    expect(metrics.value('kafka_cluster_partition_replicascount', { topic: TOPIC, partition: '0' })).toBe(1);
    expect(metrics.value('kafka_cluster_partition_underminisr', { topic: TOPIC, partition: '1' })).toBe(0);
    expect(metrics.value('kafka_topic_partitions', { topic: TOPIC })).toBe(2);
    expect(
      metrics.value('kafka_server_socket_server_metrics_connection_count', { listener: 'PLAINTEXT', networkProcessor: '0' }),
    ).toBeGreaterThanOrEqual(0);
    expect(metrics.types.get('kafka_server_brokertopicmetrics_bytesin_total')).toBe('counter');
    expect(metrics.types.get('nodejs_eventloop_lag_p99_seconds')).toBe('gauge');
  });

  it('counts the bytes and records a producer sent per topic, equal to what the logs hold, and the requests that carried them', async () => {
    const producer = kafka.producer();
    await producer.connect();
    for (let i = 0; i < RECORDS; i++) {
      await producer.send({ topic: TOPIC, acks: -1, messages: [{ key: `k${i % 4}`, value: `value ${i} ${'x'.repeat(200)}` }] });
    }
    await producer.disconnect();

    const metrics = await scrape();
    const bytesIn = metrics.value('kafka_server_brokertopicmetrics_bytesin_total', { topic: TOPIC })!;
    const logBytes = metrics.matching('kafka_log_log_size', { topic: TOPIC }).reduce((sum, sample) => sum + sample.value, 0);
    expect(bytesIn).toBeGreaterThan(RECORDS * 200);
    expect(bytesIn).toBe(logBytes);
    expect(metrics.value('kafka_server_brokertopicmetrics_messagesin_total', { topic: TOPIC })).toBe(RECORDS);
    expect(metrics.value('kafka_server_brokertopicmetrics_totalproducerequests_total', { topic: TOPIC })).toBe(RECORDS);
    expect(metrics.value('kafka_server_brokertopicmetrics_failedproducerequests_total', { topic: TOPIC })).toBe(0);
    // The sample without a topic is the sum over topics, as Kafka's all-topics meter.
    expect(metrics.value('kafka_server_brokertopicmetrics_messagesin_total')).toBe(RECORDS);
    const endOffsets = metrics.matching('kafka_log_log_logendoffset', { topic: TOPIC }).reduce((sum, sample) => sum + sample.value, 0);
    expect(endOffsets).toBe(RECORDS);
    expect(metrics.value('kafka_network_requestmetrics_requests_total', { request: 'Produce' })).toBeGreaterThanOrEqual(RECORDS);
    expect(metrics.value('kafka_network_requestmetrics_totaltimems_count', { request: 'Produce' })).toBeGreaterThanOrEqual(RECORDS);
    expect(metrics.value('kafka_network_requestmetrics_totaltimems', { request: 'Produce', quantile: '0.99' })).toBeGreaterThan(0);
    expect(metrics.value('strom_request_total_time_seconds_bucket', { request: 'Produce', le: '+Inf' })).toBeGreaterThanOrEqual(RECORDS);
  });

  it('reports the lag, time lag and offsets of a group, and the bytes its consumer fetched', async () => {
    const admin = kafka.admin();
    await admin.connect();
    const ends = await admin.fetchTopicOffsets(TOPIC);
    await admin.setOffsets({
      groupId: 'behind',
      topic: TOPIC,
      partitions: [
        { partition: 0, offset: '1' },
        { partition: 1, offset: '0' },
      ],
    });
    await admin.disconnect();
    const highWatermark = (partition: number) => Number(ends.find((entry) => entry.partition === partition)!.high);

    const lagging = await scrape();
    const of = (partition: number) => ({ consumergroup: 'behind', topic: TOPIC, partition: String(partition) });
    expect(lagging.value('kafka_consumergroup_current_offset', of(0))).toBe(1);
    expect(lagging.value('kafka_consumergroup_lag', of(0))).toBe(highWatermark(0) - 1);
    expect(lagging.value('kafka_consumergroup_lag', of(1))).toBe(highWatermark(1));
    expect(lagging.value('kafka_consumergroup_lag_sum', { consumergroup: 'behind', topic: TOPIC })).toBe(RECORDS - 1);
    expect(lagging.value('kafka_consumergroup_lag_seconds', of(1))).toBeGreaterThan(0);
    expect(lagging.value('kafka_topic_partition_current_offset', { topic: TOPIC, partition: '0' })).toBe(highWatermark(0));
    expect(lagging.value('kafka_consumergroup_members', { consumergroup: 'behind' })).toBe(0);

    const consumer = kafka.consumer({ groupId: 'behind' });
    await consumer.connect();
    await consumer.subscribe({ topic: TOPIC });
    let consumed = 0;
    await consumer.run({ eachMessage: async () => void consumed++ });
    const deadline = Date.now() + 30_000;
    let caughtUp: Exposition | undefined;
    while (Date.now() < deadline) {
      const metrics = await scrape();
      if (metrics.value('kafka_consumergroup_lag_sum', { consumergroup: 'behind', topic: TOPIC }) === 0) {
        caughtUp = metrics;
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    await consumer.disconnect();
    expect(consumed).toBe(RECORDS - 1);
    expect(caughtUp, 'the group caught up').toBeDefined();
    expect(caughtUp!.value('kafka_consumergroup_lag_seconds', of(0))).toBe(0);
    expect(caughtUp!.value('kafka_server_brokertopicmetrics_bytesout_total', { topic: TOPIC })).toBeGreaterThan(0);
    expect(caughtUp!.value('kafka_server_brokertopicmetrics_totalfetchrequests_total', { topic: TOPIC })).toBeGreaterThan(0);
    expect(caughtUp!.value('kafka_coordinator_group_groupmetadatamanager_numgroups')).toBeGreaterThanOrEqual(1);
    expect(caughtUp!.value('strom_bus_requests_total', { subject: 'strom.coordinator.kafka' })).toBeGreaterThan(0);
  }, 60_000);

  it("reports a group's time lag from the timestamp of the batch holding its next record, near the log end or far behind it, under either timestamp type", async () => {
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({
      topics: [
        { topic: 'aged', numPartitions: 1 },
        { topic: 'aged-appended', numPartitions: 1, configEntries: [{ name: 'message.timestamp.type', value: 'LogAppendTime' }] },
      ],
    });
    const producer = kafka.producer();
    await producer.connect();
    const hourAgoMs = Date.now() - 3_600_000;
    const tenMinutesAgoMs = Date.now() - 600_000;
    // 12 batches: the first an hour old, the rest ten minutes old. A broker keeps the last few
    // batches' timestamps in memory; offset 0 is read from the log.
    const BATCHES = 12;
    for (const topic of ['aged', 'aged-appended']) {
      for (let i = 0; i < BATCHES; i++) {
        const timestamp = String(i === 0 ? hourAgoMs : tenMinutesAgoMs);
        await producer.send({ topic, acks: -1, messages: [{ value: `batch ${i}`, timestamp }] });
      }
    }
    await producer.disconnect();
    for (const topic of ['aged', 'aged-appended']) {
      await admin.setOffsets({ groupId: `${topic}-far`, topic, partitions: [{ partition: 0, offset: '0' }] });
      await admin.setOffsets({ groupId: `${topic}-near`, topic, partitions: [{ partition: 0, offset: String(BATCHES - 1) }] });
    }
    await admin.disconnect();

    const metrics = await scrape();
    const timeLag = (topic: string, group: string) =>
      metrics.value('kafka_consumergroup_lag_seconds', { consumergroup: group, topic, partition: '0' });
    // CreateTime: the producer's timestamps, within the minute the test may take.
    expect(timeLag('aged', 'aged-far')).toBeGreaterThan(3_600 - 1);
    expect(timeLag('aged', 'aged-far')).toBeLessThan(3_600 + 60);
    expect(timeLag('aged', 'aged-near')).toBeGreaterThan(600 - 1);
    expect(timeLag('aged', 'aged-near')).toBeLessThan(600 + 60);
    // LogAppendTime: the broker's, moments ago, wherever the batch is.
    expect(timeLag('aged-appended', 'aged-appended-far')).toBeGreaterThanOrEqual(0);
    expect(timeLag('aged-appended', 'aged-appended-far')).toBeLessThan(60);
    expect(timeLag('aged-appended', 'aged-appended-near')).toBeGreaterThanOrEqual(0);
    expect(timeLag('aged-appended', 'aged-appended-near')).toBeLessThan(60);
  }, 60_000);
});
