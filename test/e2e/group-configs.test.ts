import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiKey, createAlterConfigsRequest, createDescribeConfigsRequest } from '@strom/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedStrom, type EmbeddedStrom } from './embedded-harness.js';
import { incrementalAlterConfigs, oneRequestClient, type OneRequest } from './raw-client.js';

/** Kafka's ConfigResource type of KIP-848 group configs. */
const GROUP = 32;
const SET = 0;
const DELETE = 1;
const APPEND = 2;
/** DescribeConfigs ConfigSource codes. */
const DEFAULT_CONFIG = 5;
const GROUP_CONFIG = 8;

// Kafka 4.x answers GROUP config resources in IncrementalAlterConfigs, AlterConfigs and
// DescribeConfigs (librdkafka's 0081_admin sets consumer.session.timeout.ms=50000 on "my-group"):
// GroupConfig's names, validated against the broker's group.consumer.* bounds, stored as dynamic
// config whether or not the group exists, described as GROUP_CONFIG over DEFAULT_CONFIG.
describe('group configs (GROUP config resources, KIP-848)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'strom-group-configs-'));
  const dataDir = join(dir, 'data');
  const properties = join(dir, 'server.properties');
  let strom: EmbeddedStrom;

  beforeAll(async () => {
    writeFileSync(properties, 'group.consumer.max.session.timeout.ms=55000\n');
    strom = await startEmbeddedStrom([], dataDir, properties);
  });
  afterAll(async () => {
    await strom?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  // A client per request: the broker's port changes when a test restarts it.
  const raw: OneRequest = (apiKey, apiVersion, body) => oneRequestClient(strom.port, 'raw-group-configs')(apiKey, apiVersion, body);
  const alterGroup = (group: string, configs: { name: string; configOperation: number; value?: string }[], validateOnly = false) =>
    incrementalAlterConfigs(raw, { resourceType: GROUP, resourceName: group }, configs, validateOnly);
  /** DescribeConfigs v4 of a group: name -> [value, source]. */
  const describeGroup = async (group: string, keys: string[] | null = null) => {
    const response = await raw(
      ApiKey.DescribeConfigs,
      4,
      createDescribeConfigsRequest({ resources: [{ resourceType: GROUP, resourceName: group, configurationKeys: keys }] }),
    );
    const result = response.results[0]!;
    expect(result).toMatchObject({ errorCode: 0, resourceType: GROUP, resourceName: group });
    expect(result.configs.every((config) => !config.readOnly)).toBe(true);
    return Object.fromEntries(result.configs.map((config) => [config.name, [config.value, config.configSource]]));
  };

  it('sets and deletes a config of a group that does not exist, and describes it over the defaults', async () => {
    const before = await describeGroup('my-group');
    expect(before['consumer.session.timeout.ms']).toEqual(['45000', DEFAULT_CONFIG]);
    expect(before['share.isolation.level']).toEqual(['read_uncommitted', DEFAULT_CONFIG]);

    expect(await alterGroup('my-group', [{ name: 'consumer.session.timeout.ms', configOperation: SET, value: '50000' }])).toEqual({
      id: 'NONE',
      message: null,
    });
    expect(await describeGroup('my-group', ['consumer.session.timeout.ms'])).toEqual({
      'consumer.session.timeout.ms': ['50000', GROUP_CONFIG],
    });
    expect((await describeGroup('other-group', ['consumer.session.timeout.ms']))['consumer.session.timeout.ms']).toEqual([
      '45000',
      DEFAULT_CONFIG,
    ]);

    expect((await alterGroup('my-group', [{ name: 'consumer.session.timeout.ms', configOperation: DELETE }])).id).toBe('NONE');
    expect(await describeGroup('my-group', ['consumer.session.timeout.ms'])).toEqual({
      'consumer.session.timeout.ms': ['45000', DEFAULT_CONFIG],
    });
  });

  it("refuses what GroupConfig.validate refuses, against this broker's bounds, and changes nothing", async () => {
    expect(await alterGroup('g', [{ name: 'consumer.session.timeout.ms', configOperation: SET, value: '56000' }])).toEqual({
      id: 'INVALID_CONFIG',
      message: 'consumer.session.timeout.ms must be less than or equal to group.consumer.max.session.timeout.ms',
    });
    expect(await alterGroup('g', [{ name: 'session.timeout.ms', configOperation: SET, value: '50000' }])).toEqual({
      id: 'INVALID_CONFIG',
      message: 'Unknown group config name: session.timeout.ms',
    });
    expect(await alterGroup('g', [{ name: 'consumer.session.timeout.ms', configOperation: APPEND, value: '1' }])).toEqual({
      id: 'INVALID_CONFIG',
      message: "Can't APPEND to key consumer.session.timeout.ms because its type is not LIST.",
    });
    expect((await alterGroup('', [{ name: 'consumer.session.timeout.ms', configOperation: SET, value: '50000' }])).id).toBe(
      'INVALID_REQUEST',
    );
    expect((await alterGroup('g', [{ name: 'consumer.session.timeout.ms', configOperation: SET, value: '55000' }], true)).id).toBe('NONE');
    expect(await describeGroup('g', ['consumer.session.timeout.ms'])).toEqual({
      'consumer.session.timeout.ms': ['45000', DEFAULT_CONFIG],
    });
  });

  it('legacy AlterConfigs replaces the whole group resource, and the configs survive a restart', async () => {
    await alterGroup('kept', [{ name: 'consumer.heartbeat.interval.ms', configOperation: SET, value: '6000' }]);
    const response = await raw(
      ApiKey.AlterConfigs,
      2,
      createAlterConfigsRequest({
        validateOnly: false,
        resources: [{ resourceType: GROUP, resourceName: 'kept', configs: [{ name: 'share.isolation.level', value: 'read_committed' }] }],
      }),
    );
    expect(response.responses[0]).toMatchObject({ errorCode: 0, resourceType: GROUP, resourceName: 'kept' });

    await strom.stop();
    strom = await startEmbeddedStrom([], dataDir, properties);
    expect(await describeGroup('kept', ['consumer.heartbeat.interval.ms', 'share.isolation.level'])).toEqual({
      'consumer.heartbeat.interval.ms': ['5000', DEFAULT_CONFIG],
      'share.isolation.level': ['read_committed', GROUP_CONFIG],
    });
  });
});
