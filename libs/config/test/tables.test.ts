import { readFileSync } from 'node:fs';
import { DEFAULT_OPERATION_TIMEOUT_MS } from '@strom/bus';
import { DEFAULT_MAX_FRAME_BYTES } from '@strom/protocol';
import { describe, expect, it } from 'vitest';
import {
  BROKER_CONFIGS,
  BROKER_CONFIGS_BY_NAME,
  ConfigSource,
  ConfigTypeCode,
  OTHER_KAFKA_BROKER_CONFIGS,
  STROM_CONFIGS_BY_NAME,
  TOPIC_CONFIGS,
  brokerConfigDef,
  describeValidator,
  parseValue,
  resolveTopicConfig,
  tryParseValue,
} from '../src/index.js';

/** LogConfig's configs in Kafka 4.4.0, as it lists them for a topic it has just created (CreateTopics v7). */
const KAFKA_4_TOPIC_CONFIGS: string[] = JSON.parse(
  readFileSync(new URL('../../../test/fixtures/kafka-4.4.0/topic-configs.json', import.meta.url), 'utf8'),
) as string[];

describe('config tables', () => {
  it('has every Kafka 4 topic config, once', () => {
    expect(TOPIC_CONFIGS.map((def) => def.name).sort()).toEqual([...KAFKA_4_TOPIC_CONFIGS].sort());
  });

  it('has no duplicate broker configs, and none also in the names-only list', () => {
    expect(BROKER_CONFIGS_BY_NAME.size).toBe(BROKER_CONFIGS.length);
    expect(OTHER_KAFKA_BROKER_CONFIGS.filter((name) => BROKER_CONFIGS_BY_NAME.has(name))).toEqual([]);
    expect(new Set(OTHER_KAFKA_BROKER_CONFIGS).size).toBe(OTHER_KAFKA_BROKER_CONFIGS.length);
  });

  it('includes the broker configs a Strom broker applies or reports', () => {
    const needed = [
      'node.id',
      'broker.id',
      'process.roles',
      'listeners',
      'advertised.listeners',
      'listener.security.protocol.map',
      'inter.broker.listener.name',
      'controller.listener.names',
      'log.dirs',
      'log.dir',
      'num.partitions',
      'default.replication.factor',
      'auto.create.topics.enable',
      'delete.topic.enable',
      'message.max.bytes',
      'socket.request.max.bytes',
      'socket.send.buffer.bytes',
      'socket.receive.buffer.bytes',
      'connections.max.idle.ms',
      'max.connections',
      'queued.max.requests',
      'num.network.threads',
      'num.io.threads',
      'log.retention.ms',
      'log.retention.minutes',
      'log.retention.hours',
      'log.retention.bytes',
      'log.retention.check.interval.ms',
      'log.segment.bytes',
      'log.roll.ms',
      'log.roll.hours',
      'log.index.interval.bytes',
      'log.index.size.max.bytes',
      'log.flush.interval.messages',
      'log.flush.interval.ms',
      'log.cleanup.policy',
      'log.cleaner.enable',
      'log.message.timestamp.type',
      'log.message.timestamp.before.max.ms',
      'log.message.timestamp.after.max.ms',
      'min.insync.replicas',
      'unclean.leader.election.enable',
      'compression.type',
      'offsets.topic.replication.factor',
      'offsets.topic.num.partitions',
      'offsets.retention.minutes',
      'group.initial.rebalance.delay.ms',
      'group.min.session.timeout.ms',
      'group.max.session.timeout.ms',
      'group.max.size',
      'transaction.state.log.replication.factor',
      'transaction.state.log.min.isr',
      'transactional.id.expiration.ms',
      'transaction.max.timeout.ms',
      'producer.id.expiration.ms',
      'sasl.enabled.mechanisms',
      'sasl.mechanism.inter.broker.protocol',
      'security.inter.broker.protocol',
      'authorizer.class.name',
      'super.users',
      'allow.everyone.if.no.acl.found',
      'replica.lag.time.max.ms',
      'replica.fetch.max.bytes',
      'replica.fetch.wait.max.ms',
      'num.replica.fetchers',
      'fetch.max.bytes',
      'auto.leader.rebalance.enable',
      'controller.quorum.voters',
      'controller.quorum.bootstrap.servers',
      'metadata.log.dir',
    ];
    expect(needed.filter((name) => !BROKER_CONFIGS_BY_NAME.has(name))).toEqual([]);
  });

  it.each([...TOPIC_CONFIGS, ...BROKER_CONFIGS].map((def) => [def.scope, def.name, def] as const))(
    '%s config %s: its default parses under its own validator',
    (_scope, _name, def) => {
      if (def.required) return; // no default: Kafka requires the config to be set
      if (def.default === null) {
        expect(tryParseValue(def, null).ok).toBe(true);
        return;
      }
      expect(() => parseValue(def, def.default)).not.toThrow();
    },
  );

  it('marks exactly the PASSWORD and non-KafkaConfig configs sensitive, and only required ones lack defaults', () => {
    for (const def of [...TOPIC_CONFIGS, ...BROKER_CONFIGS]) {
      const passThrough = def.scope === 'broker' && !def.kafkaConfigKey;
      expect(def.sensitive, def.name).toBe(def.type === 'PASSWORD' || passThrough);
      if (def.required) expect(def.default, def.name).toBeNull();
    }
    expect(BROKER_CONFIGS.filter((def) => def.required).map((def) => def.name)).toEqual(['node.id', 'process.roles']);
  });

  it('every topic synonym is a broker config of the same kind of value', () => {
    for (const def of TOPIC_CONFIGS) {
      for (const synonym of def.synonyms) {
        const brokerDef = brokerConfigDef(synonym.name);
        expect(brokerDef, `${def.name} <- ${synonym.name}`).toBeDefined();
        if (!synonym.unit) expect(brokerDef?.type, synonym.name).toBe(def.type);
      }
    }
  });

  it("derives each topic default from the broker defaults, matching LogConfig's own default", () => {
    const resolved = resolveTopicConfig({}, {});
    for (const def of TOPIC_CONFIGS) {
      expect(resolved[def.name]?.value, def.name).toBe(def.default);
      expect(resolved[def.name]?.configSource, def.name).toBe(ConfigSource.DEFAULT_CONFIG);
    }
  });

  it('knows the Kafka 4 defaults that changed from 3.x', () => {
    const topic = (name: string) => TOPIC_CONFIGS.find((def) => def.name === name);
    expect(topic('message.timestamp.after.max.ms')?.default).toBe('3600000');
    expect(topic('segment.bytes')?.validator).toEqual({ kind: 'range', min: 1048576 });
    expect(topic('message.timestamp.type')?.default).toBe('CreateTime');
    expect(brokerConfigDef('log.message.timestamp.type')?.default).toBe('CreateTime');
    expect(brokerConfigDef('num.recovery.threads.per.data.dir')?.default).toBe('2');
    expect(topic('flush.messages')?.default).toBe('9223372036854775807');
  });

  it("gives a reader without a configuration (the CLI's, the admin API's, the followers') the broker's default frame bound", () => {
    expect(Number(brokerConfigDef('socket.request.max.bytes')?.default)).toBe(DEFAULT_MAX_FRAME_BYTES);
  });

  it("times bus requests out by default as the bus itself does (the apps that take no strom.bus.request.timeout.ms use the bus's)", () => {
    expect(Number(STROM_CONFIGS_BY_NAME.get('strom.bus.request.timeout.ms')?.default)).toBe(DEFAULT_OPERATION_TIMEOUT_MS);
  });

  it("renders validators like Kafka's Valid Values column", () => {
    const topic = (name: string) => TOPIC_CONFIGS.find((def) => def.name === name)?.validator;
    expect(describeValidator(topic('segment.bytes'))).toBe('[1048576,...]');
    expect(describeValidator(topic('min.cleanable.dirty.ratio'))).toBe('[0,...,1]');
    expect(describeValidator(topic('cleanup.policy'))).toBe('[compact, delete]');
    expect(describeValidator(topic('compression.type'))).toBe('[uncompressed, zstd, lz4, snappy, gzip, producer]');
    expect(describeValidator(topic('compression.gzip.level'))).toBe('[1,...,9] or -1');
  });

  it('uses the DescribeConfigs type and source codes', () => {
    expect(ConfigTypeCode).toEqual({
      UNKNOWN: 0,
      BOOLEAN: 1,
      STRING: 2,
      INT: 3,
      SHORT: 4,
      LONG: 5,
      DOUBLE: 6,
      LIST: 7,
      CLASS: 8,
      PASSWORD: 9,
    });
    expect(ConfigSource).toMatchObject({
      UNKNOWN: 0,
      DYNAMIC_TOPIC_CONFIG: 1,
      DYNAMIC_BROKER_CONFIG: 2,
      DYNAMIC_DEFAULT_BROKER_CONFIG: 3,
      STATIC_BROKER_CONFIG: 4,
      DEFAULT_CONFIG: 5,
      DYNAMIC_BROKER_LOGGER_CONFIG: 6,
    });
  });
});
