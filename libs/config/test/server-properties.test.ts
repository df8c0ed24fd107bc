import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readServerProperties, validateBrokerConfig } from '../src/index.js';

const fixture = fileURLToPath(new URL('./fixtures/kraft-combined.server.properties', import.meta.url));

const minimal = { 'node.id': '1', 'process.roles': 'broker' };

describe('a real-world Kafka 4 KRaft server.properties', () => {
  it('parses and validates with no errors; controller-only keys are unsupported warnings', async () => {
    const props = await readServerProperties(fixture);
    expect(props['listeners']).toBe('PLAINTEXT://:9092,CONTROLLER://:9093');
    expect(props['log.dirs']).toBe('/tmp/kraft-combined-logs');
    expect(props['log.flush.interval.messages']).toBeUndefined();

    const result = validateBrokerConfig(props);
    expect(result.errors).toEqual([]);
    expect(result.valid).toBe(true);
    expect(result.warnings.filter((w) => w.kind === 'unknown')).toEqual([]);
    expect(result.warnings.map((w) => w.key).sort()).toEqual([
      'controller.quorum.bootstrap.servers',
      'process.roles',
      'share.coordinator.state.topic.min.isr',
      'share.coordinator.state.topic.replication.factor',
    ]);
    expect(result.warnings.every((w) => w.kind === 'unsupported')).toBe(true);
    expect(result.values).toMatchObject({
      'node.id': 1,
      'process.roles': ['broker', 'controller'],
      'controller.quorum.bootstrap.servers': ['localhost:9093'],
      'log.retention.hours': 168,
      'log.segment.bytes': 1073741824,
      'offsets.topic.replication.factor': 1,
      'num.partitions': 1,
      'auto.create.topics.enable': true,
      'log.flush.interval.messages': 9223372036854775807n,
      'log.retention.ms': null,
    });
  });
});

describe('validateBrokerConfig', () => {
  it('fills every broker config with its typed default', () => {
    const { values, errors, warnings } = validateBrokerConfig(minimal);
    expect(errors).toEqual([]);
    expect(warnings).toEqual([]);
    expect(values).toMatchObject({
      listeners: 'PLAINTEXT://:9092',
      'message.max.bytes': 1048588,
      'log.cleanup.policy': ['delete'],
      'log.cleaner.min.cleanable.ratio': 0.5,
      'sasl.enabled.mechanisms': ['GSSAPI'],
      'authorizer.class.name': '',
      'super.users': null,
      'allow.everyone.if.no.acl.found': false,
      'group.coordinator.rebalance.protocols': ['classic', 'consumer', 'streams'],
    });
  });

  it('requires node.id and process.roles, like KafkaConfig', () => {
    expect(validateBrokerConfig({}).errors).toEqual([
      { key: 'node.id', message: 'Missing required configuration "node.id" which has no default value.' },
      { key: 'process.roles', message: 'Missing required configuration "process.roles" which has no default value.' },
    ]);
  });

  it('reports invalid values of known keys as errors naming the key', () => {
    const result = validateBrokerConfig({
      ...minimal,
      'num.partitions': '0',
      'log.retention.hours': 'week',
      'log.cleanup.policy': 'compact,archive',
    });
    expect(result.errors).toEqual([
      { key: 'num.partitions', message: 'Invalid value 0 for configuration num.partitions: Value must be at least 1' },
      { key: 'log.retention.hours', message: 'Invalid value week for configuration log.retention.hours: Not a number of type INT' },
      {
        key: 'log.cleanup.policy',
        message: 'Invalid value archive for configuration log.cleanup.policy: String must be one of: compact, delete',
      },
    ]);
    expect(result.values['num.partitions']).toBe(1);
  });

  it('warns about unknown keys, removed keys and known-but-unsupported keys, distinctly', () => {
    const result = validateBrokerConfig({
      ...minimal,
      'my.plugin.setting': 'x',
      'zookeeper.connect': 'localhost:2181',
      'ssl.keymanager.algorithm': 'SunX509',
      'listener.name.internal.ssl.keymanager.algorithm': 'PKIX',
      'listener.name.internal.ssl.client.auth': 'required',
      'metadata.log.dir': '/var/meta',
    });
    expect(result.errors).toEqual([]);
    expect(result.warnings.map((w) => [w.key, w.kind])).toEqual([
      ['my.plugin.setting', 'unknown'],
      ['zookeeper.connect', 'unknown'],
      ['ssl.keymanager.algorithm', 'unsupported'],
      ['listener.name.internal.ssl.keymanager.algorithm', 'unsupported'],
      ['metadata.log.dir', 'unsupported'],
    ]);
    expect(result.warnings[1]?.message).toMatch(/removed in Kafka 4.0/);
  });

  it('checks listeners the way KafkaConfig does', () => {
    const errors = (props: Record<string, string>) => validateBrokerConfig({ ...minimal, ...props }).errors.map((e) => e.message);
    expect(errors({ listeners: 'PLAINTEXT://:9092,PLAINTEXT://:9093' })).toEqual([
      'Each listener must have a different name, listeners: PLAINTEXT://:9092,PLAINTEXT://:9093',
    ]);
    expect(errors({ listeners: 'PLAINTEXT://0.0.0.0:9092' })).toEqual([
      'advertised.listeners cannot use the nonroutable meta-address 0.0.0.0. Use a routable IP address.',
    ]);
    expect(errors({ listeners: 'PLAINTEXT://0.0.0.0:9092', 'advertised.listeners': 'PLAINTEXT://broker1:9092' })).toEqual([]);
    expect(errors({ listeners: 'CLIENT://:9092' })).toEqual(['No security protocol defined for listener CLIENT']);
    const two = { 'listener.security.protocol.map': 'A:PLAINTEXT,B:PLAINTEXT' };
    expect(errors({ ...two, listeners: 'A://:9092,B://:9092' })).toEqual([
      'Each listener must have a different port, listeners: A://:9092,B://:9092',
    ]);
    expect(errors({ ...two, listeners: 'A://127.0.0.1:9092,B://[::1]:9092' })).toEqual([]);
    expect(errors({ ...two, listeners: 'A://127.0.0.1:9092,B://127.0.0.2:9092' })).toEqual([
      'If you have two listeners on the same port then one needs to be IPv4 and the other IPv6, listeners: A://127.0.0.1:9092,B://127.0.0.2:9092, port: 9092',
    ]);
    expect(errors({ ...two, listeners: 'A://:0,B://:0' })).toEqual([]);
    expect(errors({ ...two, listeners: 'A://:9092', 'advertised.listeners': 'A://h:9092,B://h:9093' })).toEqual([
      'advertised.listeners listener names must be equal to or a subset of the ones defined in listeners. Found A,B. The valid options based on the current configuration are A',
    ]);
    expect(errors({ listeners: 'CLIENT://:9092', 'listener.security.protocol.map': 'CLIENT:SASL_PLAINTEXT' })).toEqual([]);
    expect(errors({ listeners: 'localhost:9092' })).toEqual([
      'Invalid value localhost:9092 for configuration listeners: Unable to parse localhost:9092 to a broker endpoint',
    ]);
    expect(errors({ 'inter.broker.listener.name': 'PLAINTEXT', 'security.inter.broker.protocol': 'PLAINTEXT' })).toEqual([
      'Only one of inter.broker.listener.name and security.inter.broker.protocol should be set.',
    ]);
    expect(errors({ 'broker.id': '2' })).toEqual(['You must set `node.id` to the same value as `broker.id`.']);
    expect(errors({ 'broker.id': '1' })).toEqual([]);
  });

  it('validates controller quorum syntax even though Strom ignores it', () => {
    const result = validateBrokerConfig({ ...minimal, 'controller.quorum.voters': '1@localhost:9093,2@host' });
    expect(result.errors.map((e) => e.key)).toEqual(['controller.quorum.voters']);
    expect(result.warnings.map((w) => w.key)).toEqual(['controller.quorum.voters']);
  });
});
