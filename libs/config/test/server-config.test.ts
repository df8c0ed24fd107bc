import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  ConfigError,
  describeFlags,
  envNames,
  loadServerConfig,
  parseFlags,
  parseJaasConfig,
  ServerConfig,
  STANDARD_AUTHORIZER_CLASS,
  validateBrokerConfig,
  type ConfigInput,
} from '../src/index.js';

const file = (entries: Record<string, string>): ConfigInput['file'] => ({ path: 'server.properties', entries });
const flags = (argv: string[]) => parseFlags(argv).flags;
const JAAS_KEY = 'listener.name.sasl_plaintext.plain.sasl.jaas.config';

describe('precedence: flag > env > server.properties > default', () => {
  it('takes each layer over the ones below it, for a Kafka key and for a Strom key', () => {
    const layers = {
      file: file({ 'node.id': '3', 'strom.admin.port': '1000' }),
      env: { STROM_NODE_ID: '4', STROM_ADMIN_PORT: '2000' },
      flags: flags(['--node-id', '5', '--admin-port=3000']),
    };
    const all = ServerConfig.resolve(layers);
    expect([all.int('node.id'), all.int('strom.admin.port')]).toEqual([5, 3000]);
    expect(all.source('node.id')).toBe('flag');
    const noFlags = ServerConfig.resolve({ ...layers, flags: new Map() });
    expect([noFlags.int('node.id'), noFlags.int('strom.admin.port')]).toEqual([4, 2000]);
    expect(noFlags.source('node.id')).toBe('env');
    const fileOnly = ServerConfig.resolve({ file: layers.file });
    expect([fileOnly.int('node.id'), fileOnly.int('strom.admin.port')]).toEqual([3, 1000]);
    expect(fileOnly.source('node.id')).toBe('file');
    const defaults = ServerConfig.resolve({});
    expect([defaults.int('node.id'), defaults.int('strom.admin.port')]).toEqual([1, 9644]);
    expect(defaults.source('node.id')).toBe('default');
  });

  it("gives Kafka's defaults for what nothing sets, typed", () => {
    const config = ServerConfig.resolve({});
    expect(config.int('max.connections')).toBe(2_147_483_647);
    expect(config.int('socket.request.max.bytes')).toBe(104_857_600);
    expect(config.long('connections.max.idle.ms')).toBe(600_000);
    expect(config.int('group.min.session.timeout.ms')).toBe(6_000);
    expect(config.bool('auto.create.topics.enable')).toBe(true);
    expect(config.optionalString('broker.rack')).toBeNull();
    expect(config.listeners).toEqual([{ name: 'PLAINTEXT', host: '127.0.0.1', port: 9092, securityProtocol: 'PLAINTEXT' }]);
    expect(config.dataDir).toBe('./data');
    expect(config.staticConfig).toEqual({});
    expect(config.authorizer).toEqual({ enabled: false, superUsers: [], allowEveryoneIfNoAclFound: false });
  });

  it('reads env only for the keys the process takes, and refuses flags it does not take', () => {
    const config = ServerConfig.resolve({ keys: ['strom.admin.port'], env: { STROM_NODE_ID: 'x', STROM_ADMIN_PORT: '1' } });
    expect(config.int('node.id')).toBe(1);
    expect(() => parseFlags(['--node-id', '2'], ['strom.admin.port'])).toThrow(/unknown flag --node-id/);
  });

  it('takes --override key=value for any key at flag precedence, as kafka-server-start.sh does', () => {
    const config = ServerConfig.resolve({
      file: file({ 'node.id': '3', 'num.partitions': '2' }),
      env: { STROM_NODE_ID: '4' },
      flags: flags([
        '--override',
        'node.id=7',
        '--override=listeners=INTERNAL://0.0.0.0:29092,EXTERNAL://:9092',
        '--override',
        'advertised.listeners=INTERNAL://broker-1:29092,EXTERNAL://localhost:9092',
        '--override',
        'listener.security.protocol.map=INTERNAL:PLAINTEXT,EXTERNAL:PLAINTEXT',
        '--override',
        'log.cleaner.enable=false',
      ]),
    });
    expect(config.int('node.id')).toBe(7);
    expect(config.source('node.id')).toBe('flag');
    expect(config.int('num.partitions')).toBe(2);
    expect(config.listeners.map((listener) => `${listener.name}:${listener.port}`)).toEqual(['INTERNAL:29092', 'EXTERNAL:9092']);
    expect(() => ServerConfig.resolve({ flags: flags(['--override', 'node.id=x']) })).toThrow(/--override node\.id/);
    expect(() => parseFlags(['--override', 'node.id'])).toThrow("flag --override needs key=value, not 'node.id'");
    expect(() => parseFlags(['--override', '=1'])).toThrow(/needs key=value/);
  });

  it('puts the Kafka keys the file, env and flags set into the static broker config, not Strom keys or defaults', () => {
    const config = ServerConfig.resolve({ file: file({ 'num.partitions': '3' }), flags: flags(['--node-id', '2', '--port', '0']) });
    expect(config.staticConfig).toEqual({ 'num.partitions': '3', 'node.id': '2' });
  });
});

describe('errors name where the value came from and the key', () => {
  it.each([
    [
      { file: file({ 'num.partitions': 'many' }) },
      'server.properties: num.partitions: Invalid value many for configuration num.partitions',
    ],
    [
      { env: { STROM_RETENTION_CHECK_INTERVAL_MS: 'often' } },
      'STROM_RETENTION_CHECK_INTERVAL_MS: log.retention.check.interval.ms: Invalid value often',
    ],
    [
      { flags: flags(['--port', '70000']) },
      '--port: strom.listener.port: Invalid value 70000 for configuration strom.listener.port: Value must be no more than 65535',
    ],
    [
      { file: file({ 'group.max.size': '0' }) },
      'server.properties: group.max.size: Invalid value 0 for configuration group.max.size: Value must be at least 1',
    ],
    [
      { file: file({ 'group.min.session.timeout.ms': '60000', 'group.max.session.timeout.ms': '1000' }) },
      'server.properties: group.max.session.timeout.ms: group.max.session.timeout.ms must be greater',
    ],
    [{ flags: flags(['--nats-url', 'not a url']) }, '--nats-url: strom.nats.url: Invalid value not a url'],
    [
      { file: file({ listeners: 'CLIENT://:9092' }) },
      'server.properties: listener.security.protocol.map: No security protocol defined for listener CLIENT',
    ],
    [
      { file: file({ listeners: 'SASL_PLAINTEXT://:9092' }) },
      'server.properties: sasl.enabled.mechanisms: none of GSSAPI is supported by Strom',
    ],
    [
      { file: file({ 'authorizer.class.name': 'com.example.MyAuthorizer' }) },
      'server.properties: authorizer.class.name: com.example.MyAuthorizer is not supported',
    ],
    [
      {
        file: file({
          listeners: 'SASL_PLAINTEXT://:9092',
          'sasl.enabled.mechanisms': 'PLAIN',
          [JAAS_KEY]: 'org.apache.kafka.common.security.scram.ScramLoginModule required;',
        }),
      },
      `server.properties: ${JAAS_KEY}: expected org.apache.kafka.common.security.plain.PlainLoginModule`,
    ],
  ] as [ConfigInput, string][])('%j', (input, message) => {
    expect(() => ServerConfig.resolve(input)).toThrow(ConfigError);
    expect(() => ServerConfig.resolve(input)).toThrow(message);
  });

  it('refuses a flag without a value, an unknown flag and a stray argument', () => {
    expect(() => parseFlags(['--port'])).toThrow('flag --port needs a value');
    expect(() => parseFlags(['--nope', '1'])).toThrow('unknown flag --nope');
    expect(() => parseFlags(['start'])).toThrow("unexpected argument 'start'");
  });
});

describe('listeners, as Kafka reads them and as the flags change the first one', () => {
  it('serves every broker listener with its protocol, names upper-cased, and leaves the KRaft controller listener out', () => {
    const config = ServerConfig.resolve({
      file: file({
        listeners: 'client://:9092,INTERNAL://10.0.0.1:9093,CONTROLLER://:9094',
        'listener.security.protocol.map': 'CLIENT:PLAINTEXT,INTERNAL:SASL_SSL,CONTROLLER:PLAINTEXT',
        'controller.listener.names': 'CONTROLLER',
        'listener.name.internal.sasl.enabled.mechanisms': 'SCRAM-SHA-512',
        'inter.broker.listener.name': 'CLIENT',
      }),
    });
    expect(config.listeners).toEqual([
      { name: 'CLIENT', host: '0.0.0.0', port: 9092, securityProtocol: 'PLAINTEXT' },
      { name: 'INTERNAL', host: '10.0.0.1', port: 9093, securityProtocol: 'SASL_SSL' },
    ]);
    expect(config.advertisedListeners).toEqual(config.listeners);
    expect(config.warnings).toEqual([
      'listeners: CONTROLLER is a KRaft controller listener (controller.listener.names); Strom has no controller and does not serve it',
    ]);
  });

  it('advertises advertised.listeners, --advertised-host on the one named like the first listener', () => {
    const config = ServerConfig.resolve({
      file: file({
        listeners: 'INTERNAL://127.0.0.1:0,EXTERNAL://127.0.0.1:9094',
        'advertised.listeners': 'EXTERNAL://kafka.example:443,INTERNAL://127.0.0.1:0',
        'listener.security.protocol.map': 'INTERNAL:PLAINTEXT,EXTERNAL:SSL',
        'listener.name.external.ssl.keystore.location': '/etc/kafka/external.jks',
        'inter.broker.listener.name': 'INTERNAL',
      }),
      flags: flags(['--advertised-host', 'internal.example']),
    });
    expect(config.advertisedListeners).toEqual([
      { name: 'EXTERNAL', host: 'kafka.example', port: 443, securityProtocol: 'SSL' },
      { name: 'INTERNAL', host: 'internal.example', port: 0, securityProtocol: 'PLAINTEXT' },
    ]);
    expect(config.warnings).toEqual([]);
  });

  it('refuses what Kafka refuses: shared names or ports, advertised names that are not listeners, only controller listeners', () => {
    const refusal = (entries: Record<string, string>) => () => ServerConfig.resolve({ file: file(entries) });
    expect(refusal({ listeners: 'A://:9092,a://:9093', 'listener.security.protocol.map': 'A:PLAINTEXT' })).toThrow(
      'server.properties: listeners: Each listener must have a different name',
    );
    expect(refusal({ listeners: 'A://:9092,B://:9092', 'listener.security.protocol.map': 'A:PLAINTEXT,B:PLAINTEXT' })).toThrow(
      'Each listener must have a different port, listeners: A://:9092,B://:9092',
    );
    expect(
      refusal({
        listeners: 'A://127.0.0.1:9092',
        'advertised.listeners': 'B://h:9092',
        'listener.security.protocol.map': 'A:PLAINTEXT,B:PLAINTEXT',
      }),
    ).toThrow('advertised.listeners listener names must be equal to or a subset of the ones defined in listeners. Found B.');
    expect(refusal({ listeners: 'CONTROLLER://:9093', 'controller.listener.names': 'CONTROLLER' })).toThrow(
      'There must be at least one broker advertised listener. Perhaps all listeners appear in controller.listener.names?',
    );
    expect(
      ServerConfig.resolve({
        file: file({ listeners: 'A://127.0.0.1:0,B://127.0.0.1:0', 'listener.security.protocol.map': 'A:PLAINTEXT,B:PLAINTEXT' }),
      }).listeners.map((l) => l.port),
    ).toEqual([0, 0]);
  });

  it('reads the SASL settings of every SASL listener, per-listener values over the broker-wide ones', () => {
    const config = ServerConfig.resolve({
      file: file({
        listeners: 'INTERNAL://127.0.0.1:9092,EXTERNAL://127.0.0.1:9093,PARTNER://127.0.0.1:9094',
        'listener.security.protocol.map': 'INTERNAL:PLAINTEXT,EXTERNAL:SASL_PLAINTEXT,PARTNER:SASL_SSL',
        'sasl.enabled.mechanisms': 'SCRAM-SHA-512',
        'listener.name.external.sasl.enabled.mechanisms': 'PLAIN',
        'listener.name.external.plain.sasl.jaas.config': 'org.apache.kafka.common.security.plain.PlainLoginModule required user_ext="x";',
        'listener.name.external.connections.max.reauth.ms': '60000',
        'listener.name.partner.ssl.keystore.location': '/etc/partner.jks',
        'listener.name.partner.max.connections': '10',
        'listener.name.partner.ssl.keymanager.algorithm': 'SunX509',
        'inter.broker.listener.name': 'INTERNAL',
      }),
    });
    expect(config.sasl('INTERNAL')).toBeUndefined();
    expect(config.sasl('EXTERNAL')).toEqual({ enabledMechanisms: ['PLAIN'], ignoredMechanisms: [], plainUsers: { ext: 'x' } });
    expect(config.sasl('PARTNER')).toEqual({ enabledMechanisms: ['SCRAM-SHA-512'], ignoredMechanisms: [], plainUsers: undefined });
    expect(config.listenerValue('EXTERNAL', 'connections.max.reauth.ms')).toBe(60_000);
    expect(config.listenerValue('PARTNER', 'connections.max.reauth.ms')).toBe(0);
    expect(config.ssl('PARTNER')['ssl.keystore.location']).toBe('/etc/partner.jks');
    expect(config.ssl('EXTERNAL')['ssl.keystore.location']).toBeUndefined();
    expect([config.listenerNumber('PARTNER', 'max.connections'), config.listenerNumber('EXTERNAL', 'max.connections')]).toEqual([
      10, 2_147_483_647,
    ]);
    expect(config.warnings).toEqual([
      'listener.name.partner.ssl.keymanager.algorithm: listener.name.partner.ssl.keymanager.algorithm is not a per-listener setting Strom applies; it is ignored',
    ]);
  });

  it('lets --host, --port, --security-protocol and --advertised-host change the first listener', () => {
    const config = ServerConfig.resolve({
      file: file({ listeners: 'PLAINTEXT://:9092', 'sasl.enabled.mechanisms': 'SCRAM-SHA-256' }),
      flags: flags(['--host', '127.0.0.2', '--port', '0', '--security-protocol', 'SASL_PLAINTEXT', '--advertised-host', 'kafka.example']),
    });
    expect(config.listeners[0]).toEqual({ name: 'PLAINTEXT', host: '127.0.0.2', port: 0, securityProtocol: 'SASL_PLAINTEXT' });
    expect(config.advertisedListeners[0]).toMatchObject({ host: 'kafka.example', port: 0 });
    expect(config.sasl('PLAINTEXT')?.enabledMechanisms).toEqual(['SCRAM-SHA-256']);
  });

  it('reads SASL mechanisms and PLAIN users per listener, and the authorizer', () => {
    const config = ServerConfig.resolve({
      file: file({
        listeners: 'SASL_PLAINTEXT://127.0.0.1:9092',
        'sasl.enabled.mechanisms': 'PLAIN,SCRAM-SHA-512,GSSAPI',
        [JAAS_KEY]:
          'org.apache.kafka.common.security.plain.PlainLoginModule required username="admin" password="x" user_alice="alice-secret" user_bob="b\\"ob";',
        'authorizer.class.name': STANDARD_AUTHORIZER_CLASS,
        'super.users': 'User:admin; User:ops',
        'listener.name.sasl_plaintext.connections.max.reauth.ms': '60000',
      }),
    });
    expect(config.sasl('SASL_PLAINTEXT')).toEqual({
      enabledMechanisms: ['PLAIN', 'SCRAM-SHA-512'],
      ignoredMechanisms: ['GSSAPI'],
      plainUsers: { alice: 'alice-secret', bob: 'b"ob' },
    });
    expect(config.authorizer).toEqual({ enabled: true, superUsers: ['User:admin', 'User:ops'], allowEveryoneIfNoAclFound: false });
    expect(config.listenerValue('SASL_PLAINTEXT', 'connections.max.reauth.ms')).toBe(60_000);
    expect(config.long('connections.max.reauth.ms')).toBe(0);
    expect(config.warnings.join('\n')).toMatch(/GSSAPI not supported by Strom; ignored/);
    expect(config.warnings.join('\n')).not.toMatch(/jaas/);
  });

  it('a per-listener sasl.enabled.mechanisms wins over the broker-wide one, as in Kafka', () => {
    const config = ServerConfig.resolve({
      file: file({
        listeners: 'SASL_PLAINTEXT://:9092',
        'sasl.enabled.mechanisms': 'GSSAPI',
        'listener.name.sasl_plaintext.sasl.enabled.mechanisms': 'SCRAM-SHA-256',
      }),
    });
    expect(config.sasl('SASL_PLAINTEXT')?.enabledMechanisms).toEqual(['SCRAM-SHA-256']);
  });
});

describe('the data directory', () => {
  it('is strom.data.dir when set, else the first of log.dirs, else log.dir, else ./data', () => {
    expect(ServerConfig.resolve({ file: file({ 'log.dirs': '/a,/b' }) }).dataDir).toBe('/a');
    expect(ServerConfig.resolve({ file: file({ 'log.dir': '/c' }) }).dataDir).toBe('/c');
    expect(ServerConfig.resolve({ file: file({ 'log.dirs': '/a' }), env: { STROM_DATA_DIR: '/d' } }).dataDir).toBe('/d');
  });
});

describe('connections.max.idle.ms and max.connections', () => {
  it("accepts any LONG for connections.max.idle.ms as Kafka does (negative: no idle expiry) and Kafka's max.connections range", () => {
    expect(ServerConfig.resolve({ file: file({ 'connections.max.idle.ms': '-1' }) }).long('connections.max.idle.ms')).toBe(-1);
    expect(() => ServerConfig.resolve({ file: file({ 'max.connections': '-1' }) })).toThrow('max.connections: Invalid value -1');
  });

  it("takes Kafka's RackAwareReplicaSelector for replica.selector.class, unset by default, and refuses any other class", () => {
    expect(ServerConfig.resolve({}).optionalString('replica.selector.class')).toBeNull();
    const selector = 'org.apache.kafka.common.replica.RackAwareReplicaSelector';
    expect(ServerConfig.resolve({ file: file({ 'replica.selector.class': selector }) }).optionalString('replica.selector.class')).toBe(
      selector,
    );
    expect(() => ServerConfig.resolve({ file: file({ 'replica.selector.class': 'com.example.NearestReplicaSelector' }) })).toThrow(
      'Invalid value com.example.NearestReplicaSelector for configuration replica.selector.class: Class com.example.NearestReplicaSelector could not be found.',
    );
    expect(validateBrokerConfig({ 'replica.selector.class': selector }).warnings).toEqual([]);
  });
});

describe('loadServerConfig', () => {
  const dir = mkdtempSync(join(tmpdir(), 'strom-server-config-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads the file --config or STROM_CONFIG names', async () => {
    const path = join(dir, 'server.properties');
    writeFileSync(path, 'num.partitions=4\n');
    expect((await loadServerConfig({ argv: ['--config', path], env: {} })).int('num.partitions')).toBe(4);
    expect((await loadServerConfig({ argv: [], env: { STROM_CONFIG: path } })).filePath).toBe(path);
    await expect(loadServerConfig({ argv: ['--config', join(dir, 'missing')], env: {} })).rejects.toThrow(/missing: cannot read it/);
  });

  it('lists each flag with its env name and key', () => {
    expect(envNames(['strom.nats.url'])).toEqual(['STROM_CONFIG', 'STROM_NATS_URL']);
    expect(describeFlags(['node.id'])).toMatch(/--node-id <int> +STROM_NODE_ID +node\.id: .*\(default 1\)/);
  });
});

describe('parseJaasConfig', () => {
  it('parses module, flag and options, and rejects malformed entries', () => {
    expect(parseJaasConfig('k', 'a.B required x=1 y="two words";')).toEqual({
      loginModule: 'a.B',
      flag: 'required',
      options: { x: '1', y: 'two words' },
    });
    expect(() => parseJaasConfig('k', 'a.B required x="1"')).toThrow(/end with ';'/);
    expect(() => parseJaasConfig('k', 'a.B whenever x="1";')).toThrow(/control flag/);
    expect(() => parseJaasConfig('k', 'a.B required x=;')).toThrow(/name=value/);
  });
});
