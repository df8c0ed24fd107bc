import { describe, expect, it } from 'vitest';
import {
  ConfigSource,
  ConfigTypeCode,
  brokerConfigSynonyms,
  describeBrokerConfigs,
  describeTopicConfigs,
  resolveTopicConfig,
} from '../src/index.js';

const { DYNAMIC_TOPIC_CONFIG, DYNAMIC_BROKER_CONFIG, DYNAMIC_DEFAULT_BROKER_CONFIG, STATIC_BROKER_CONFIG, DEFAULT_CONFIG } = ConfigSource;

describe('resolveTopicConfig', () => {
  it('retention.ms from log.retention.hours=1: 3600000, STATIC_BROKER_CONFIG, synonyms in Kafka order', () => {
    const retention = resolveTopicConfig({}, { static: { 'log.retention.hours': '1' } })['retention.ms'];
    expect(retention).toMatchObject({
      name: 'retention.ms',
      value: '3600000',
      parsed: 3600000,
      configSource: STATIC_BROKER_CONFIG,
      readOnly: false,
      isSensitive: false,
      configType: ConfigTypeCode.LONG,
    });
    expect(retention?.synonyms).toEqual([
      { name: 'log.retention.hours', value: '1', source: STATIC_BROKER_CONFIG },
      { name: 'log.retention.hours', value: '168', source: DEFAULT_CONFIG },
    ]);
  });

  it('orders synonyms: topic, dynamic broker, dynamic default, static (each name in order), default', () => {
    const retention = resolveTopicConfig(
      { 'retention.ms': '1000' },
      {
        dynamicBroker: { 'log.retention.ms': '2000' },
        dynamicDefault: { 'log.retention.ms': '3000' },
        static: { 'log.retention.hours': '2', 'log.retention.minutes': '5', 'log.retention.ms': '4000' },
      },
    )['retention.ms'];
    expect(retention?.value).toBe('1000');
    expect(retention?.configSource).toBe(DYNAMIC_TOPIC_CONFIG);
    expect(retention?.synonyms).toEqual([
      { name: 'retention.ms', value: '1000', source: DYNAMIC_TOPIC_CONFIG },
      { name: 'log.retention.ms', value: '2000', source: DYNAMIC_BROKER_CONFIG },
      { name: 'log.retention.ms', value: '3000', source: DYNAMIC_DEFAULT_BROKER_CONFIG },
      { name: 'log.retention.ms', value: '4000', source: STATIC_BROKER_CONFIG },
      { name: 'log.retention.minutes', value: '5', source: STATIC_BROKER_CONFIG },
      { name: 'log.retention.hours', value: '2', source: STATIC_BROKER_CONFIG },
      { name: 'log.retention.hours', value: '168', source: DEFAULT_CONFIG },
    ]);
  });

  it('takes the value from the highest-priority layer and synonym', () => {
    const layers = { dynamicDefault: { 'log.retention.ms': '3000' }, static: { 'log.retention.minutes': '5' } };
    expect(resolveTopicConfig({}, layers)['retention.ms']).toMatchObject({ value: '3000', configSource: DYNAMIC_DEFAULT_BROKER_CONFIG });
    expect(resolveTopicConfig({}, { static: { 'log.retention.minutes': '5', 'log.retention.hours': '1' } })['retention.ms']?.value).toBe(
      '300000',
    );
    expect(resolveTopicConfig({}, { static: { 'log.retention.hours': '-1' } })['retention.ms']?.value).toBe('-1');
  });

  it('converts hours to ms for segment.ms and uses the scheduler interval for flush.ms', () => {
    const resolved = resolveTopicConfig({}, { static: { 'log.roll.hours': '2', 'log.flush.scheduler.interval.ms': '5000' } });
    expect(resolved['segment.ms']).toMatchObject({ value: '7200000', configSource: STATIC_BROKER_CONFIG });
    expect(resolved['flush.ms']).toMatchObject({ value: '5000', configSource: STATIC_BROKER_CONFIG });
    expect(resolved['max.message.bytes']?.synonyms).toEqual([{ name: 'message.max.bytes', value: '1048588', source: DEFAULT_CONFIG }]);
  });

  it("'kafka' mode reproduces Kafka's dropWhile: synonyms before the primary broker name are dropped", () => {
    const kafka = resolveTopicConfig({}, { static: { 'log.retention.hours': '1' } }, { synonymMode: 'kafka' })['retention.ms'];
    expect(kafka).toMatchObject({ value: '3600000', configSource: DEFAULT_CONFIG, synonyms: [] });
    const withMs = resolveTopicConfig({}, { static: { 'log.retention.ms': '5000' } }, { synonymMode: 'kafka' })['retention.ms'];
    expect(withMs?.synonyms).toEqual([
      { name: 'log.retention.ms', value: '5000', source: STATIC_BROKER_CONFIG },
      { name: 'log.retention.hours', value: '168', source: DEFAULT_CONFIG },
    ]);
  });

  it('renders overrides the way Kafka does, and ignores invalid ones', () => {
    const resolved = resolveTopicConfig({ 'cleanup.policy': 'compact , delete', preallocate: 'TRUE', 'retention.ms': 'abc' });
    expect(resolved['cleanup.policy']).toMatchObject({
      value: 'compact,delete',
      parsed: ['compact', 'delete'],
      configSource: DYNAMIC_TOPIC_CONFIG,
    });
    expect(resolved['preallocate']?.value).toBe('true');
    expect(resolved['retention.ms']).toMatchObject({ value: '604800000', configSource: DEFAULT_CONFIG });
  });

  it('reports configs without a broker synonym as DEFAULT_CONFIG with no synonyms', () => {
    expect(resolveTopicConfig()['remote.storage.enable']).toMatchObject({ value: 'false', configSource: DEFAULT_CONFIG, synonyms: [] });
    expect(resolveTopicConfig()['leader.replication.throttled.replicas']?.value).toBe('');
  });
});

describe('describeTopicConfigs', () => {
  it('omits synonyms and documentation unless asked, and filters by name', () => {
    const [entry, ...rest] = describeTopicConfigs({}, { static: { 'log.retention.hours': '1' } }, { configNames: ['retention.ms'] });
    expect(rest).toEqual([]);
    expect(entry).toEqual({
      name: 'retention.ms',
      value: '3600000',
      readOnly: false,
      configSource: STATIC_BROKER_CONFIG,
      isSensitive: false,
      synonyms: [],
      configType: ConfigTypeCode.LONG,
      documentation: null,
    });
    const [withAll] = describeTopicConfigs({}, {}, { configNames: ['segment.ms'], includeSynonyms: true, includeDocumentation: true });
    expect(withAll?.synonyms).toEqual([{ name: 'log.roll.hours', value: '168', source: DEFAULT_CONFIG }]);
    expect(withAll?.documentation).toMatch(/Roll a new segment/);
    expect(describeTopicConfigs()).toHaveLength(37);
  });
});

describe('describeBrokerConfigs', () => {
  const layers = {
    static: {
      'node.id': '1',
      'log.retention.hours': '24',
      'num.io.threads': '16',
      'sasl.jaas.config': 'secret',
      'super.users': 'User:admin',
      'my.custom.key': 'x',
    },
    dynamicDefault: { 'log.retention.ms': '60000', 'num.io.threads': '12' },
    dynamicBroker: { 'num.io.threads': '4' },
  };
  const byName = (entries: ReturnType<typeof describeBrokerConfigs>) => new Map(entries.map((e) => [e.name, e]));

  it("reports each broker config's own value, source, synonyms and read-only flag", () => {
    const entries = byName(describeBrokerConfigs(layers, { includeSynonyms: true }));
    expect(entries.get('num.io.threads')).toMatchObject({
      value: '4',
      readOnly: false,
      configSource: DYNAMIC_BROKER_CONFIG,
      configType: ConfigTypeCode.INT,
      synonyms: [
        { name: 'num.io.threads', value: '4', source: DYNAMIC_BROKER_CONFIG },
        { name: 'num.io.threads', value: '12', source: DYNAMIC_DEFAULT_BROKER_CONFIG },
        { name: 'num.io.threads', value: '16', source: STATIC_BROKER_CONFIG },
        { name: 'num.io.threads', value: '8', source: DEFAULT_CONFIG },
      ],
    });
    expect(entries.get('log.retention.hours')).toMatchObject({
      value: '24',
      readOnly: true,
      configSource: STATIC_BROKER_CONFIG,
      synonyms: [
        { name: 'log.retention.hours', value: '24', source: STATIC_BROKER_CONFIG },
        { name: 'log.retention.hours', value: '168', source: DEFAULT_CONFIG },
      ],
    });
    expect(entries.get('log.retention.ms')).toMatchObject({ value: '60000', configSource: DYNAMIC_DEFAULT_BROKER_CONFIG, readOnly: false });
    expect(entries.get('log.retention.minutes')).toMatchObject({ value: null, configSource: DEFAULT_CONFIG, synonyms: [] });
    expect(entries.get('num.partitions')).toMatchObject({ value: '1', configSource: DEFAULT_CONFIG, readOnly: true });
  });

  it('hides sensitive values and reports non-KafkaConfig keys as UNKNOWN, sensitive', () => {
    const entries = byName(describeBrokerConfigs(layers, { includeSynonyms: true }));
    expect(entries.get('sasl.jaas.config')).toMatchObject({
      value: null,
      isSensitive: true,
      configType: ConfigTypeCode.PASSWORD,
      synonyms: [{ name: 'sasl.jaas.config', value: null, source: STATIC_BROKER_CONFIG }],
    });
    expect(entries.get('super.users')).toMatchObject({
      value: null,
      isSensitive: true,
      readOnly: true,
      configType: ConfigTypeCode.UNKNOWN,
      configSource: STATIC_BROKER_CONFIG,
    });
    expect(entries.get('my.custom.key')).toMatchObject({ value: null, configType: ConfigTypeCode.UNKNOWN });
    expect(entries.has('allow.everyone.if.no.acl.found')).toBe(false);
  });

  it('describes the cluster default resource: only dynamic default configs', () => {
    const entries = describeBrokerConfigs(layers, { resource: 'default', includeSynonyms: true });
    expect(entries.map((e) => [e.name, e.value, e.configSource])).toEqual([
      ['log.retention.ms', '60000', DYNAMIC_DEFAULT_BROKER_CONFIG],
      ['num.io.threads', '12', DYNAMIC_DEFAULT_BROKER_CONFIG],
    ]);
    expect(entries[1]?.synonyms).toEqual([{ name: 'num.io.threads', value: '12', source: DYNAMIC_DEFAULT_BROKER_CONFIG }]);
  });

  it("knows Kafka's broker synonym groups", () => {
    expect(brokerConfigSynonyms('log.retention.minutes')).toEqual(['log.retention.ms', 'log.retention.minutes', 'log.retention.hours']);
    expect(brokerConfigSynonyms('log.roll.hours')).toEqual(['log.roll.ms', 'log.roll.hours']);
    expect(brokerConfigSynonyms('log.flush.interval.ms')).toEqual(['log.flush.interval.ms', 'log.flush.scheduler.interval.ms']);
    expect(brokerConfigSynonyms('listener.name.sasl_ssl.plain.sasl.jaas.config')).toEqual([
      'listener.name.sasl_ssl.plain.sasl.jaas.config',
      'sasl.jaas.config',
    ]);
    expect(brokerConfigSynonyms('listener.name.internal.ssl.keystore.location')).toEqual([
      'listener.name.internal.ssl.keystore.location',
      'ssl.keystore.location',
    ]);
    expect(brokerConfigSynonyms('num.io.threads')).toEqual(['num.io.threads']);
  });
});
