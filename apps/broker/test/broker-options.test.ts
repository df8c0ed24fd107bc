import { ConfigError, ServerConfig } from '@strom/config';
import { TEST_STORE_PASSWORD, testTlsMaterial } from '@strom/testing';
import { describe, expect, it } from 'vitest';
import { advertisedEndpoints } from '../src/broker.service.js';
import { brokerOptions } from '../src/config.js';

const withFile = (entries: Record<string, string>) => brokerOptions(ServerConfig.resolve({ file: { path: 'server.properties', entries } }));

describe('the broker options, built from the one parsed configuration', () => {
  it("has one max.connections default, Kafka's, with or without a file", () => {
    expect(brokerOptions(ServerConfig.resolve({})).connectionQuotas.maxConnections).toBe(2_147_483_647);
    expect(withFile({ 'num.partitions': '2' }).connectionQuotas.maxConnections).toBe(2_147_483_647);
    expect(withFile({ 'max.connections': '50' }).connectionQuotas.maxConnections).toBe(50);
  });

  it("takes Kafka's other connection limits: per IP with overrides (addresses now, hosts at start), creation rate, backlog, request bytes", () => {
    const defaults = brokerOptions(ServerConfig.resolve({}));
    expect(defaults.connectionQuotas).toEqual({
      maxConnections: 2_147_483_647,
      maxConnectionsPerIp: 2_147_483_647,
      maxConnectionsPerIpOverrides: new Map(),
      maxConnectionCreationRate: 2_147_483_647,
      listenBacklogSize: 50,
      listeners: new Map([['PLAINTEXT', { maxConnections: 2_147_483_647, maxConnectionCreationRate: 2_147_483_647 }]]),
      protectedListener: undefined,
    });
    expect(defaults.queuedMaxRequestBytes).toBe(-1);
    const set = withFile({
      'max.connections.per.ip': '10',
      'max.connections.per.ip.overrides': '127.0.0.1:200, localhost:30,[::1]:5',
      'max.connection.creation.rate': '7',
      'socket.listen.backlog.size': '3',
      'queued.max.request.bytes': '1048576',
    });
    expect(set.connectionQuotas).toMatchObject({
      maxConnectionsPerIp: 10,
      maxConnectionsPerIpOverrides: new Map([
        ['127.0.0.1', 200],
        ['::1', 5],
      ]),
      maxConnectionCreationRate: 7,
      listenBacklogSize: 3,
    });
    expect(set.maxConnectionsPerHostOverrides).toEqual(new Map([['localhost', 30]]));
    expect(set.queuedMaxRequestBytes).toBe(1_048_576);
  });

  it("takes each listener's max.connections and max.connection.creation.rate, the broker-wide ones where it has none; the inter-broker listener is protected", () => {
    const options = withFile({
      listeners: 'INTERNAL://127.0.0.1:9092,EXTERNAL://127.0.0.1:9093',
      'listener.security.protocol.map': 'INTERNAL:PLAINTEXT,EXTERNAL:PLAINTEXT',
      'inter.broker.listener.name': 'INTERNAL',
      'max.connections': '1000',
      'max.connection.creation.rate': '50',
      'listener.name.external.max.connections': '100',
      'listener.name.external.max.connection.creation.rate': '5',
    });
    expect(options.connectionQuotas).toMatchObject({
      listeners: new Map([
        ['INTERNAL', { maxConnections: 1000, maxConnectionCreationRate: 50 }],
        ['EXTERNAL', { maxConnections: 100, maxConnectionCreationRate: 5 }],
      ]),
      protectedListener: 'INTERNAL',
    });
    expect(withFile({ 'max.connections': '10' }).connectionQuotas.protectedListener).toBeUndefined();
    expect(() => withFile({ 'listener.name.plaintext.max.connections': '-1' })).toThrow(/listener.name.plaintext.max.connections/);
  });

  it('refuses bad connection limits naming the key, as Kafka does', () => {
    expect(() => withFile({ 'max.connections.per.ip.overrides': 'host:lots' })).toThrow(/max.connections.per.ip.overrides.*host:lots/);
    expect(() => withFile({ 'max.connections.per.ip': '0' })).toThrow(
      /max.connections.per.ip can be set to zero only if max.connections.per.ip.overrides property is set/,
    );
    expect(() => withFile({ 'queued.max.request.bytes': '0' })).toThrow(/queued.max.request.bytes/);
    expect(
      withFile({ 'max.connections.per.ip': '0', 'max.connections.per.ip.overrides': '10.0.0.1:5' }).connectionQuotas.maxConnectionsPerIp,
    ).toBe(0);
  });

  it('takes the frame limit and idle timeout from socket.request.max.bytes and connections.max.idle.ms; negative: no idle expiry', () => {
    expect(brokerOptions(ServerConfig.resolve({})).limits).toMatchObject({ maxFrameBytes: 104_857_600, idleTimeoutMs: 600_000 });
    expect(withFile({ 'socket.request.max.bytes': '1000', 'connections.max.idle.ms': '-1' }).limits).toMatchObject({
      maxFrameBytes: 1000,
      idleTimeoutMs: Number.POSITIVE_INFINITY,
    });
  });

  it("makes __consumer_offsets from the offsets.topic.* settings and Kafka's defaults", () => {
    expect(brokerOptions(ServerConfig.resolve({})).offsetsTopic).toEqual({
      numPartitions: 50,
      replicationFactor: 3,
      segmentBytes: 104_857_600,
    });
    expect(withFile({ 'offsets.topic.num.partitions': '4' }).offsetsTopic.numPartitions).toBe(4);
  });

  it('serves the SASL listener of the file with its PLAIN users and the authorizer', () => {
    const options = withFile({
      listeners: 'SASL_PLAINTEXT://127.0.0.1:9093',
      'sasl.enabled.mechanisms': 'PLAIN',
      'listener.name.sasl_plaintext.plain.sasl.jaas.config':
        'org.apache.kafka.common.security.plain.PlainLoginModule required user_alice="pw";',
      'authorizer.class.name': 'org.apache.kafka.metadata.authorizer.StandardAuthorizer',
      'super.users': 'User:admin',
    });
    expect(options.listeners).toEqual([
      {
        name: 'SASL_PLAINTEXT',
        host: '127.0.0.1',
        port: 9093,
        security: {
          securityProtocol: 'SASL_PLAINTEXT',
          ssl: {},
          saslMechanisms: ['PLAIN'],
          plainUsers: { alice: 'pw' },
          connectionsMaxReauthMs: 0,
          saslMaxReceiveBytes: 524_288,
        },
      },
    ]);
    expect(options.advertisedListeners).toEqual([
      { name: 'SASL_PLAINTEXT', host: '127.0.0.1', port: 9093, securityProtocol: 'SASL_PLAINTEXT' },
    ]);
    expect(options.authorizer).toEqual({ enabled: true, superUsers: ['User:admin'], allowEveryoneIfNoAclFound: false });
  });

  it('serves every listener with its own security, per-listener settings only on their listener', () => {
    const options = withFile({
      listeners: 'INTERNAL://127.0.0.1:0,EXTERNAL://0.0.0.0:9094,PARTNER://127.0.0.1:9095',
      'advertised.listeners': 'INTERNAL://127.0.0.1:0,EXTERNAL://kafka.example:443',
      'listener.security.protocol.map': 'INTERNAL:PLAINTEXT,EXTERNAL:SASL_PLAINTEXT,PARTNER:SASL_PLAINTEXT',
      'sasl.enabled.mechanisms': 'SCRAM-SHA-512',
      'listener.name.external.sasl.enabled.mechanisms': 'PLAIN',
      'listener.name.external.plain.sasl.jaas.config': 'org.apache.kafka.common.security.plain.PlainLoginModule required user_ext="x";',
      'listener.name.external.connections.max.reauth.ms': '60000',
      'listener.name.partner.sasl.server.max.receive.size': '1024',
    });
    expect(options.listeners.map(({ name, host, port, security }) => [name, host, port, security.securityProtocol])).toEqual([
      ['INTERNAL', '127.0.0.1', 0, 'PLAINTEXT'],
      ['EXTERNAL', '0.0.0.0', 9094, 'SASL_PLAINTEXT'],
      ['PARTNER', '127.0.0.1', 9095, 'SASL_PLAINTEXT'],
    ]);
    const [internal, external, partner] = options.listeners.map((listener) => listener.security);
    expect(internal).toMatchObject({ saslMechanisms: [], connectionsMaxReauthMs: 0, saslMaxReceiveBytes: 524_288 });
    expect(external).toMatchObject({
      saslMechanisms: ['PLAIN'],
      plainUsers: { ext: 'x' },
      connectionsMaxReauthMs: 60_000,
      saslMaxReceiveBytes: 524_288,
    });
    expect(partner).toMatchObject({
      saslMechanisms: ['SCRAM-SHA-512'],
      plainUsers: {},
      connectionsMaxReauthMs: 0,
      saslMaxReceiveBytes: 1024,
    });
    expect(options.advertisedListeners).toEqual([
      { name: 'INTERNAL', host: '127.0.0.1', port: 0, securityProtocol: 'PLAINTEXT' },
      { name: 'EXTERNAL', host: 'kafka.example', port: 443, securityProtocol: 'SASL_PLAINTEXT' },
    ]);
    expect(() => withFile({ 'listener.name.plaintext.connections.max.reauth.ms': 'soon' })).toThrow(
      'server.properties: listener.name.plaintext.connections.max.reauth.ms: Invalid value soon',
    );
  });

  it("resolves an SSL listener's ssl.* settings per listener, with Kafka's defaults, and refuses one without a key store", () => {
    expect(() => withFile({ listeners: 'SSL://127.0.0.1:9093' })).toThrow(/server.properties \(listener SSL\): ssl.keystore.location/);
    expect(() => withFile({ listeners: 'SSL://127.0.0.1:9093', 'ssl.client.auth': 'sometimes' })).toThrow(/ssl.client.auth/);
    const config = ServerConfig.resolve({
      file: {
        path: 'server.properties',
        entries: {
          listeners: 'INTERNAL://127.0.0.1:9093',
          'listener.security.protocol.map': 'INTERNAL:SSL',
          'ssl.keystore.location': '/etc/broker.jks',
          'listener.name.internal.ssl.client.auth': 'required',
        },
      },
    });
    expect(config.ssl('INTERNAL')).toEqual({
      'ssl.keystore.type': 'JKS',
      'ssl.keystore.location': '/etc/broker.jks',
      'ssl.truststore.type': 'JKS',
      'ssl.client.auth': 'required',
      'ssl.enabled.protocols': 'TLSv1.2,TLSv1.3',
      'ssl.protocol': 'TLSv1.3',
      'ssl.principal.mapping.rules': 'DEFAULT',
      'ssl.endpoint.identification.algorithm': 'https',
    });
  });
});

describe('the endpoints a broker registers', () => {
  it("are its advertised listeners, port 0 replaced by the port that listener was bound to (Kafka's rule)", () => {
    const bound = [
      { name: 'INTERNAL', securityProtocol: 'PLAINTEXT', host: '127.0.0.1', port: 40_001 },
      { name: 'EXTERNAL', securityProtocol: 'SASL_PLAINTEXT', host: '0.0.0.0', port: 40_002 },
    ];
    expect(
      advertisedEndpoints(
        [
          { name: 'INTERNAL', host: '127.0.0.1', port: 0, securityProtocol: 'PLAINTEXT' },
          { name: 'EXTERNAL', host: 'kafka.example', port: 443, securityProtocol: 'SASL_PLAINTEXT' },
        ],
        bound,
      ),
    ).toEqual([
      { name: 'INTERNAL', host: '127.0.0.1', port: 40_001, securityProtocol: 'PLAINTEXT' },
      { name: 'EXTERNAL', host: 'kafka.example', port: 443, securityProtocol: 'SASL_PLAINTEXT' },
    ]);
  });
});

describe('the inter-broker client side of the broker options', () => {
  const tls = testTlsMaterial();
  const saslSsl = {
    listeners: 'SASL_SSL://127.0.0.1:0',
    'security.inter.broker.protocol': 'SASL_SSL',
    'sasl.mechanism.inter.broker.protocol': 'SCRAM-SHA-512',
    'sasl.enabled.mechanisms': 'SCRAM-SHA-512',
    'listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config':
      'org.apache.kafka.common.security.scram.ScramLoginModule required username="broker" password="broker-secret";',
    'ssl.keystore.location': tls.broker.keystoreJks,
    'ssl.keystore.password': TEST_STORE_PASSWORD,
    'listener.name.sasl_ssl.ssl.truststore.location': tls.truststoreJks,
    'listener.name.sasl_ssl.ssl.truststore.password': TEST_STORE_PASSWORD,
  };

  it("carries the inter-broker listener's protocol, its ssl.* (per-listener over broker-wide) and the SASL credentials", () => {
    const { interBroker } = withFile(saslSsl).replication;
    expect(interBroker).toMatchObject({
      listenerName: 'SASL_SSL',
      securityProtocol: 'SASL_SSL',
      sasl: { mechanism: 'SCRAM-SHA-512', username: 'broker', password: 'broker-secret' },
    });
    expect(interBroker.ssl).toMatchObject({
      'ssl.keystore.location': tls.broker.keystoreJks,
      'ssl.truststore.location': tls.truststoreJks,
      'ssl.endpoint.identification.algorithm': 'https',
    });
  });

  it('refuses at start, naming the key, a client-side TLS setting that cannot work', () => {
    expect(() => withFile({ ...saslSsl, 'ssl.endpoint.identification.algorithm': 'ldaps' })).toThrow(
      'server.properties (inter-broker listener SASL_SSL, client side): ssl.endpoint.identification.algorithm: ldaps is not supported: use https (check the host name) or empty',
    );
    expect(() => withFile({ ...saslSsl, 'ssl.endpoint.identification.algorithm': 'ldaps' })).toThrow(ConfigError);
  });
});
