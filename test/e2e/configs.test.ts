import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ErrorCode } from '@strom/errors';
import { ApiKey, createJoinGroupRequest, createJoinGroupRequestProtocol } from '@strom/protocol';
import { ConfigResourceTypes, Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedStrom, type EmbeddedStrom } from './embedded-harness.js';
import { RawKafka } from './sasl-support.js';

const execFileAsync = promisify(execFile);
const strom = new URL('../../apps/strom/dist/main.js', import.meta.url).pathname;

describe('configs: server.properties, DescribeConfigs, AlterConfigs, IncrementalAlterConfigs', () => {
  let broker: EmbeddedStrom;
  let kafka: Kafka;
  const dir = mkdtempSync(join(tmpdir(), 'strom-props-'));

  beforeAll(async () => {
    const properties = join(dir, 'server.properties');
    writeFileSync(
      properties,
      [
        "# a Kafka user's file",
        'process.roles=broker,controller',
        'node.id=1',
        'listeners=PLAINTEXT://127.0.0.1:9092',
        'num.partitions=3',
        'log.retention.hours=1',
        'message.max.bytes=2000000',
        'auto.create.topics.enable=true',
        // Kafka's default minimum is 6000 ms: a 6000 ms session timeout is refused only if the file is read.
        'group.min.session.timeout.ms=10000',
        'group.initial.rebalance.delay.ms=0',
      ].join('\n'),
    );
    broker = await startEmbeddedStrom([], undefined, properties);
    kafka = new Kafka({ clientId: 'e2e-configs', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 2 } });
  });
  afterAll(async () => broker?.stop());

  it('applies num.partitions from server.properties and reports its values with Kafka sources', async () => {
    const admin = kafka.admin();
    await admin.connect();
    try {
      const producer = kafka.producer({ allowAutoTopicCreation: true });
      await producer.connect();
      await producer.send({ topic: 'defaults', messages: [{ value: 'auto-created with num.partitions' }] });
      await producer.disconnect();
      const metadata = await admin.fetchTopicMetadata({ topics: ['defaults'] });
      expect(metadata.topics[0]!.partitions).toHaveLength(3);
      const described = await admin.describeConfigs({
        includeSynonyms: true,
        resources: [
          { type: ConfigResourceTypes.TOPIC, name: 'defaults', configNames: ['retention.ms', 'max.message.bytes', 'cleanup.policy'] },
        ],
      });
      const entries = Object.fromEntries(described.resources[0]!.configEntries.map((entry) => [entry.configName, entry]));
      expect(entries['retention.ms']!.configValue).toBe('3600000');
      // Kafka's ConfigHelper drops synonyms ahead of log.retention.ms: none are left, the source is the default.
      expect(entries['retention.ms']).toMatchObject({ isDefault: true, configSynonyms: [] });
      expect(entries['max.message.bytes']!.configValue).toBe('2000000');
      expect(entries['cleanup.policy']).toMatchObject({ configValue: 'delete', isDefault: true });
      const brokerConfigs = await admin.describeConfigs({
        includeSynonyms: false,
        resources: [{ type: ConfigResourceTypes.BROKER, name: '1', configNames: ['num.partitions'] }],
      });
      expect(brokerConfigs.resources[0]!.configEntries[0]).toMatchObject({ configName: 'num.partitions', configValue: '3' });
    } finally {
      await admin.disconnect();
    }
  });

  it("alters topic configs, validates them with Kafka's errors, and keeps them", async () => {
    const admin = kafka.admin();
    await admin.connect();
    try {
      await admin.createTopics({
        topics: [{ topic: 'altered', numPartitions: 1, configEntries: [{ name: 'retention.ms', value: '1000' }] }],
      });
      await admin.alterConfigs({
        validateOnly: false,
        resources: [{ type: ConfigResourceTypes.TOPIC, name: 'altered', configEntries: [{ name: 'cleanup.policy', value: 'compact' }] }],
      });
      const after = await admin.describeConfigs({
        includeSynonyms: false,
        resources: [{ type: ConfigResourceTypes.TOPIC, name: 'altered', configNames: ['cleanup.policy', 'retention.ms'] }],
      });
      const values = Object.fromEntries(after.resources[0]!.configEntries.map((entry) => [entry.configName, entry.configValue]));
      expect(values).toEqual({ 'cleanup.policy': 'compact', 'retention.ms': '3600000' });
      await expect(
        admin.alterConfigs({
          validateOnly: false,
          resources: [{ type: ConfigResourceTypes.TOPIC, name: 'altered', configEntries: [{ name: 'retention.ms', value: 'soon' }] }],
        }),
      ).rejects.toMatchObject({ type: 'INVALID_CONFIG' });
      await expect(
        admin.alterConfigs({
          validateOnly: false,
          resources: [{ type: ConfigResourceTypes.TOPIC, name: 'altered', configEntries: [{ name: 'no.such.config', value: '1' }] }],
        }),
      ).rejects.toMatchObject({ type: 'INVALID_CONFIG' });
      await expect(
        admin.createTopics({ topics: [{ topic: 'bad-config', configEntries: [{ name: 'segment.bytes', value: '10' }] }] }),
      ).rejects.toMatchObject({
        errors: [expect.objectContaining({ type: 'INVALID_CONFIG' })],
      });
    } finally {
      await admin.disconnect();
    }
  });

  it('gives the coordinator the group settings of server.properties (group.min.session.timeout.ms)', async () => {
    const raw = await RawKafka.connect(broker.port);
    try {
      const join = async (sessionTimeoutMs: number) =>
        (
          await raw.call(
            ApiKey.JoinGroup,
            3,
            createJoinGroupRequest({
              groupId: `configs-${sessionTimeoutMs}`,
              memberId: '',
              sessionTimeoutMs,
              rebalanceTimeoutMs: 10_000,
              protocolType: 'consumer',
              protocols: [createJoinGroupRequestProtocol({ name: 'range', metadata: Buffer.alloc(0) })],
            }),
          )
        ).errorCode;
      expect(await join(6_000)).toBe(ErrorCode.INVALID_SESSION_TIMEOUT);
      expect(await join(10_000)).toBe(ErrorCode.NONE);
    } finally {
      raw.raw.end();
    }
  });

  it('refuses to start on a bad server.properties with one line naming the key', async () => {
    const bad = join(dir, 'bad.properties');
    writeFileSync(bad, 'node.id=1\nprocess.roles=broker\nnum.partitions=many\n');
    const failure = await execFileAsync(process.execPath, [strom, 'start', '--config', bad, '--data-dir', join(dir, 'data')], {
      encoding: 'utf8',
      timeout: 30_000,
    }).catch((error: { code: number; stderr: string }) => error);
    expect(failure).toMatchObject({ code: 2 });
    expect((failure as { stderr: string }).stderr).toMatch(/^strom start: .*bad\.properties: num\.partitions: .*many/);
  });
});
