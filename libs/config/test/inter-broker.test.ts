import { describe, expect, it } from 'vitest';
import { ServerConfig, type ConfigInput } from '../src/index.js';

const file = (entries: Record<string, string>): ConfigInput['file'] => ({ path: 'server.properties', entries });
const resolve = (entries: Record<string, string>, argv: Partial<ConfigInput> = {}) =>
  ServerConfig.resolve({ file: file(entries), ...argv });
const SCRAM_JAAS = 'org.apache.kafka.common.security.scram.ScramLoginModule required username="broker" password="broker-secret";';
const PLAIN_JAAS =
  'org.apache.kafka.common.security.plain.PlainLoginModule required username="broker" password="plain-secret" user_broker="plain-secret" user_alice="a";';

/** A SASL_SSL-only broker as a Kafka user configures inter-broker SCRAM. */
const saslSsl = {
  listeners: 'SASL_SSL://127.0.0.1:9093',
  'security.inter.broker.protocol': 'SASL_SSL',
  'sasl.mechanism.inter.broker.protocol': 'SCRAM-SHA-512',
  'sasl.enabled.mechanisms': 'SCRAM-SHA-512',
  'listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config': SCRAM_JAAS,
};

describe('the inter-broker listener and its client side (Kafka: KafkaConfig, ChannelBuilders.clientChannelBuilder)', () => {
  it('defaults to the PLAINTEXT listener, plaintext without SASL', () => {
    expect(ServerConfig.resolve({}).interBroker).toEqual({
      listenerName: 'PLAINTEXT',
      securityProtocol: 'PLAINTEXT',
      sasl: undefined,
      warning: undefined,
    });
  });

  it('security.inter.broker.protocol=SASL_SSL: the SASL_SSL listener, the mechanism, and the ScramLoginModule’s username and password', () => {
    const config = resolve(saslSsl);
    expect(config.interBroker).toEqual({
      listenerName: 'SASL_SSL',
      securityProtocol: 'SASL_SSL',
      sasl: { mechanism: 'SCRAM-SHA-512', username: 'broker', password: 'broker-secret' },
      warning: undefined,
    });
    expect(config.warnings).toEqual([]);
  });

  it('inter.broker.listener.name names the listener (any case); its protocol comes from the map; PLAIN takes username/password beside user_*', () => {
    const config = resolve({
      listeners: 'EXTERNAL://127.0.0.1:9092,INTERNAL://127.0.0.1:9093',
      'listener.security.protocol.map': 'EXTERNAL:SSL,INTERNAL:SASL_PLAINTEXT',
      'inter.broker.listener.name': 'internal',
      'sasl.mechanism.inter.broker.protocol': 'PLAIN',
      'listener.name.internal.sasl.enabled.mechanisms': 'PLAIN',
      'listener.name.internal.plain.sasl.jaas.config': PLAIN_JAAS,
    });
    expect(config.interBroker).toMatchObject({
      listenerName: 'INTERNAL',
      securityProtocol: 'SASL_PLAINTEXT',
      sasl: { mechanism: 'PLAIN', username: 'broker', password: 'plain-secret' },
    });
    expect(config.sasl('INTERNAL')?.plainUsers).toEqual({ broker: 'plain-secret', alice: 'a' });
    expect(resolve({ ...saslSsl, 'security.inter.broker.protocol': 'SSL', listeners: 'SSL://127.0.0.1:9093' }).interBroker).toMatchObject({
      listenerName: 'SSL',
      securityProtocol: 'SSL',
      sasl: undefined,
    });
  });

  it('refuses, naming the key, what cannot work once the inter-broker protocol is set', () => {
    const refusal = (entries: Record<string, string | undefined>) => () =>
      resolve(Object.fromEntries(Object.entries({ ...saslSsl, ...entries }).filter(([, v]) => v !== undefined)) as Record<string, string>);
    expect(refusal({ 'security.inter.broker.protocol': 'SASL_PLAINTEXT' })).toThrow(
      'server.properties: security.inter.broker.protocol: inter.broker.listener.name must be a listener name defined in advertised.listeners. The valid options based on currently configured listeners are SASL_SSL',
    );
    expect(refusal({ 'sasl.mechanism.inter.broker.protocol': undefined })).toThrow(
      'sasl.mechanism.inter.broker.protocol: GSSAPI is not supported by Strom between brokers (supported: PLAIN, SCRAM-SHA-256, SCRAM-SHA-512)',
    );
    expect(refusal({ 'sasl.mechanism.inter.broker.protocol': 'SCRAM-SHA-256' })).toThrow(
      'sasl.mechanism.inter.broker.protocol: sasl.mechanism.inter.broker.protocol must be included in sasl.enabled.mechanisms when SASL is used for inter-broker communication',
    );
    expect(refusal({ 'listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config': undefined })).toThrow(
      'listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config: not set: a broker authenticates to the others with the username and password of this JAAS config',
    );
    expect(
      refusal({
        'listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config':
          'org.apache.kafka.common.security.scram.ScramLoginModule required username="broker";',
      }),
    ).toThrow('password is not set');
    expect(refusal({ 'listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config': PLAIN_JAAS })).toThrow(
      'expected org.apache.kafka.common.security.scram.ScramLoginModule, found org.apache.kafka.common.security.plain.PlainLoginModule',
    );
    expect(refusal({ 'inter.broker.listener.name': 'SASL_SSL' })).toThrow(
      'Only one of inter.broker.listener.name and security.inter.broker.protocol should be set.',
    );
  });

  it('from the defaults alone a missing or SASL PLAINTEXT listener is a warning, not a refusal: one broker needs no inter-broker listener', () => {
    const onlySasl = resolve({ listeners: 'SASL_SSL://127.0.0.1:9093', 'sasl.enabled.mechanisms': 'PLAIN' });
    expect(onlySasl.interBroker).toMatchObject({ listenerName: 'PLAINTEXT', securityProtocol: 'PLAINTEXT', sasl: undefined });
    expect(onlySasl.warnings).toContainEqual(
      expect.stringMatching(
        /^security\.inter\.broker\.protocol: inter\.broker\.listener\.name must be a listener name defined in advertised\.listeners\. .* other brokers cannot replicate from it; set inter\.broker\.listener\.name or security\.inter\.broker\.protocol/,
      ),
    );
    const flagged = ServerConfig.resolve({
      flags: new Map([
        ['strom.listener.security.protocol', { raw: 'SASL_PLAINTEXT', flag: 'security-protocol' }],
        ['sasl.enabled.mechanisms', { raw: 'PLAIN', flag: 'sasl-mechanisms' }],
      ]),
    });
    expect(flagged.listeners[0]).toMatchObject({ name: 'PLAINTEXT', securityProtocol: 'SASL_PLAINTEXT' });
    expect(flagged.warnings.join('\n')).toMatch(
      /^sasl\.mechanism\.inter\.broker\.protocol: GSSAPI is not supported by Strom between brokers/m,
    );
  });
});
