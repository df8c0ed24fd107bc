import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Admin, ConfigResourceTypes, Producer, stringSerializers } from '@platformatic/kafka';
import { ApiKey, createAlterConfigsRequest, createDescribeConfigsRequest } from '@strom/protocol';
import { ConfigResourceTypes as KafkajsResourceTypes, Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedStrom, type EmbeddedStrom } from './embedded-harness.js';
import { platformaticErrorId as errorId } from '../compat/drivers/platformatic.js';
import { incrementalAlterConfigs, oneRequestClient, type OneRequest } from './raw-client.js';

const BROKER = ConfigResourceTypes.BROKER;
const TOPIC = ConfigResourceTypes.TOPIC;
const SET = 0;
const DELETE = 1;
const APPEND = 2;
/** DescribeConfigs ConfigSource codes. */
const DYNAMIC_BROKER_CONFIG = 2;
const DYNAMIC_DEFAULT_BROKER_CONFIG = 3;
const DEFAULT_CONFIG = 5;

/** Kafka error names of the codes these tests expect. */

describe('dynamic broker configs (AlterConfigs / IncrementalAlterConfigs on BROKER resources)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'strom-broker-configs-'));
  let strom: EmbeddedStrom;
  let admin: Admin;

  beforeAll(async () => {
    strom = await startEmbeddedStrom([], dataDir);
    admin = new Admin({ clientId: 'broker-configs', bootstrapBrokers: [strom.bootstrap], retries: 0 });
  });
  afterAll(async () => {
    await admin?.close();
    await strom?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const describeBroker = async (name: string, keys: string[]) => {
    const [described] = await admin.describeConfigs({
      resources: [{ resourceType: BROKER, resourceName: name, configurationKeys: keys }],
      includeSynonyms: true,
    });
    return Object.fromEntries(described!.configs.map((config) => [config.name, config]));
  };
  const topicValue = async (topic: string, key: string) => {
    const [described] = await admin.describeConfigs({
      resources: [{ resourceType: TOPIC, resourceName: topic, configurationKeys: [key] }],
    });
    return described!.configs[0]!;
  };
  /**
   * One request on the wire: the Node clients cannot name the cluster default resource ('' is
   * refused, or sent to "broker 0"), and the error message is what kafka-configs.sh prints.
   */
  // A client per request: the broker's port changes when a test restarts it.
  const raw: OneRequest = (apiKey, apiVersion, body) => oneRequestClient(strom.port, 'raw-configs')(apiKey, apiVersion, body);
  const alterBroker = (name: string, configs: { name: string; configOperation: number; value?: string }[], validateOnly = false) =>
    incrementalAlterConfigs(raw, { resourceType: BROKER, resourceName: name }, configs, validateOnly);
  /** DescribeConfigs v4 of the cluster default resource: name -> [value, source]. */
  const describeDefault = async (): Promise<Record<string, [string | null, number]>> => {
    const response = await raw(
      ApiKey.DescribeConfigs,
      4,
      createDescribeConfigsRequest({ resources: [{ resourceType: BROKER, resourceName: '', configurationKeys: null }] }),
    );
    return Object.fromEntries(response.results[0]!.configs.map((config) => [config.name, [config.value, config.configSource]]));
  };

  it('sets cluster-wide and per-broker configs, layered over the defaults, and applies them to existing topics', async () => {
    await admin.createTopics({ topics: ['dyn-existing'], partitions: 1, replicas: 1 });
    expect(await topicValue('dyn-existing', 'retention.ms')).toMatchObject({ value: '604800000', configSource: DEFAULT_CONFIG });

    expect(await alterBroker('', [{ name: 'log.retention.ms', configOperation: SET, value: '7200000' }])).toEqual({
      id: 'NONE',
      message: null,
    });
    expect(await describeDefault()).toEqual({ 'log.retention.ms': ['7200000', DYNAMIC_DEFAULT_BROKER_CONFIG] });
    expect(await topicValue('dyn-existing', 'retention.ms')).toMatchObject({
      value: '7200000',
      configSource: DYNAMIC_DEFAULT_BROKER_CONFIG,
    });

    // The broker's own value wins over the cluster default; both show as synonyms.
    await admin.incrementalAlterConfigs({
      resources: [
        { resourceType: BROKER, resourceName: '1', configs: [{ name: 'log.retention.ms', configOperation: SET, value: '3600000' }] },
      ],
    });
    const perBroker = await describeBroker('1', ['log.retention.ms']);
    expect(perBroker['log.retention.ms']).toMatchObject({ value: '3600000', configSource: DYNAMIC_BROKER_CONFIG });
    expect(perBroker['log.retention.ms']!.synonyms.map((synonym) => [synonym.name, synonym.value, synonym.source])).toEqual([
      ['log.retention.ms', '3600000', DYNAMIC_BROKER_CONFIG],
      ['log.retention.ms', '7200000', DYNAMIC_DEFAULT_BROKER_CONFIG],
      ['log.retention.hours', '168', DEFAULT_CONFIG],
    ]);
    expect(await topicValue('dyn-existing', 'retention.ms')).toMatchObject({ value: '3600000', configSource: DYNAMIC_BROKER_CONFIG });

    // message.max.bytes is the default of every topic's max.message.bytes: the open replica enforces the new value.
    const producer = new Producer({
      clientId: 'broker-configs-producer',
      bootstrapBrokers: [strom.bootstrap],
      serializers: stringSerializers,
      retries: 0,
      compression: 'none',
    });
    try {
      const big = 'x'.repeat(5000);
      await producer.send({ messages: [{ topic: 'dyn-existing', value: big }] });
      expect((await alterBroker('', [{ name: 'message.max.bytes', configOperation: SET, value: '2000' }])).id).toBe('NONE');
      expect(await producer.send({ messages: [{ topic: 'dyn-existing', value: big }] }).then(() => 'NONE', errorId)).toBe(
        'MESSAGE_TOO_LARGE',
      );
      expect((await alterBroker('', [{ name: 'message.max.bytes', configOperation: DELETE }])).id).toBe('NONE');
      await producer.send({ messages: [{ topic: 'dyn-existing', value: big }] });
    } finally {
      await producer.close();
    }
  });

  it("refuses what Kafka refuses, with Kafka's errors, and changes nothing", async () => {
    expect(await alterBroker('1', [{ name: 'node.id', configOperation: SET, value: '5' }])).toEqual({
      id: 'INVALID_REQUEST',
      message: 'Cannot update these configs dynamically: Set(node.id)',
    });
    expect(await alterBroker('', [{ name: 'sasl.enabled.mechanisms', configOperation: SET, value: 'PLAIN' }])).toEqual({
      id: 'INVALID_REQUEST',
      message: 'Cannot update these configs at default cluster level, broker id must be specified: Set(sasl.enabled.mechanisms)',
    });
    const badValue = await alterBroker('', [{ name: 'log.retention.ms', configOperation: SET, value: 'soon' }]);
    expect(badValue.id).toBe('INVALID_REQUEST');
    expect(badValue.message).toMatch(/^Invalid value soon for configuration log\.retention\.ms/);
    expect(await alterBroker('7', [{ name: 'log.retention.ms', configOperation: SET, value: '1' }])).toEqual({
      id: 'INVALID_REQUEST',
      message: 'Unexpected broker id, expected 1 or empty string, but received 7',
    });
    expect(await alterBroker('1', [{ name: 'log.retention.ms', configOperation: APPEND, value: '1' }])).toEqual({
      id: 'INVALID_CONFIG',
      message: "Can't APPEND to key log.retention.ms because its type is not LIST.",
    });
    expect((await alterBroker('', [{ name: 'log.retention.ms', configOperation: SET, value: '1' }], true)).id).toBe('NONE');
    expect(await describeDefault()).toEqual({ 'log.retention.ms': ['7200000', DYNAMIC_DEFAULT_BROKER_CONFIG] });
    expect((await describeBroker('1', ['log.retention.ms', 'node.id']))['log.retention.ms']).toMatchObject({ value: '3600000' });
  });

  it('legacy AlterConfigs replaces the whole resource, validateOnly changes nothing', async () => {
    const alterDefault = (validateOnly: boolean) =>
      raw(
        ApiKey.AlterConfigs,
        2,
        createAlterConfigsRequest({
          validateOnly,
          resources: [{ resourceType: BROKER, resourceName: '', configs: [{ name: 'log.segment.bytes', value: '1048576' }] }],
        }),
      );
    expect((await alterDefault(true)).responses[0]).toMatchObject({ errorCode: 0 });
    expect(await describeDefault()).toEqual({ 'log.retention.ms': ['7200000', DYNAMIC_DEFAULT_BROKER_CONFIG] });
    expect((await alterDefault(false)).responses[0]).toMatchObject({ errorCode: 0 });
    expect(await describeDefault()).toEqual({ 'log.segment.bytes': ['1048576', DYNAMIC_DEFAULT_BROKER_CONFIG] });

    // kafkajs (legacy AlterConfigs only) on the broker's own resource: the whole set is replaced.
    const kafka = new Kafka({ clientId: 'broker-configs-kafkajs', brokers: [strom.bootstrap], logLevel: logLevel.NOTHING });
    const kafkajsAdmin = kafka.admin();
    await kafkajsAdmin.connect();
    try {
      await kafkajsAdmin.alterConfigs({
        validateOnly: false,
        resources: [{ type: KafkajsResourceTypes.BROKER, name: '1', configEntries: [{ name: 'log.retention.ms', value: '1800000' }] }],
      });
      const described = await kafkajsAdmin.describeConfigs({
        includeSynonyms: false,
        resources: [{ type: KafkajsResourceTypes.BROKER, name: '1', configNames: ['log.retention.ms', 'log.segment.bytes'] }],
      });
      expect(Object.fromEntries(described.resources[0]!.configEntries.map((entry) => [entry.configName, entry.configValue]))).toEqual({
        'log.retention.ms': '1800000',
        'log.segment.bytes': '1048576',
      });
    } finally {
      await kafkajsAdmin.disconnect();
    }
  });

  it('keeps dynamic broker configs through a restart', async () => {
    await strom.stop();
    strom = await startEmbeddedStrom([], dataDir);
    await admin.close();
    admin = new Admin({ clientId: 'broker-configs-2', bootstrapBrokers: [strom.bootstrap], retries: 0 });
    expect(await describeDefault()).toEqual({ 'log.segment.bytes': ['1048576', DYNAMIC_DEFAULT_BROKER_CONFIG] });
    expect((await describeBroker('1', ['log.retention.ms']))['log.retention.ms']).toMatchObject({
      value: '1800000',
      configSource: DYNAMIC_BROKER_CONFIG,
    });
    await alterBroker('1', [{ name: 'log.retention.ms', configOperation: DELETE }]);
    expect((await describeBroker('1', ['log.retention.ms']))['log.retention.ms']).toMatchObject({
      value: null,
      configSource: DEFAULT_CONFIG,
    });
  });
});
