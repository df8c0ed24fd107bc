import { readFileSync } from 'node:fs';
import { ADMIN_API_KEYS } from '@strom/admin-api';
import { BROKER_KEYS } from '@strom/broker';
import { envNames, parseFlags, parsePropertiesEntries, ServerConfig } from '@strom/config';
import { COORDINATOR_KEYS } from '@strom/coordinator';
import { METADATA_KEYS } from '@strom/metadata';
import { ORCHESTRATOR_KEYS } from '@strom/orchestrator';
import { RETENTION_KEYS } from '@strom/retention';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

interface ComposeService {
  image?: string;
  build?: string;
  command?: string[];
  environment?: Record<string, string>;
  healthcheck?: { test: string[] };
  depends_on?: Record<string, { condition: string }>;
  ports?: string[];
  volumes?: string[];
  configs?: { source: string; target: string }[];
}

const compose = parse(readFileSync(new URL('../../docker-compose.yml', import.meta.url), 'utf8'), { merge: true }) as {
  services: Record<string, ComposeService>;
  configs: Record<string, { content?: string; file?: string }>;
  volumes: Record<string, unknown>;
};
const BROKERS = ['broker-1', 'broker-2', 'broker-3'];

/** What the app in a service reads: its mounted server.properties, its environment and its flags, through the one config path. */
function configOf(service: ComposeService, keys: readonly string[]): ServerConfig {
  const mounted = service.configs?.find((config) => config.target === service.environment?.STROM_CONFIG);
  const source = mounted && compose.configs[mounted.source]!;
  const text = source ? (source.content ?? readFileSync(new URL(`../../${source.file!}`, import.meta.url), 'utf8')) : '';
  const entries = Object.fromEntries(parsePropertiesEntries(text).map((e) => [e.key, e.value]));
  return ServerConfig.resolve({
    keys,
    file: { path: mounted?.target ?? 'none', entries },
    env: service.environment ?? {},
    flags: parseFlags(service.command!.slice(2), keys).flags,
  });
}

const appKeys: Record<string, readonly string[]> = {
  broker: BROKER_KEYS,
  metadata: METADATA_KEYS,
  coordinator: COORDINATOR_KEYS,
  retention: RETENTION_KEYS,
  orchestrator: ORCHESTRATOR_KEYS,
  'admin-api': ADMIN_API_KEYS,
};

describe('docker-compose.yml', () => {
  it('has the backing services with health checks', () => {
    for (const name of ['postgres', 'nats', 'temporal']) {
      expect(compose.services[name], name).toBeDefined();
      expect(compose.services[name]!.healthcheck?.test.length, name).toBeGreaterThan(0);
    }
    expect(compose.services.nats!.image).toMatch(/^nats:/);
    expect(compose.services.nats!.command).toContain('-js');
  });

  const servicesOf = (app: string) => (app === 'broker' ? BROKERS : [app]);

  it.each(Object.keys(appKeys).flatMap(servicesOf))(
    'runs %s from its own entry point, reading only env names its configuration keys have',
    (name) => {
      const app = name.startsWith('broker-') ? 'broker' : name;
      const service = compose.services[name];
      expect(service, `service ${name}`).toBeDefined();
      expect(service!.command!.slice(0, 2)).toEqual(['node', `apps/${app}/dist/main.js`]);
      expect(() => configOf(service!, appKeys[app]!)).not.toThrow();
      const known = new Set(envNames(appKeys[app]!));
      const used = Object.keys(service!.environment ?? {});
      expect(used.length).toBeGreaterThan(0);
      expect(used.filter((name) => !known.has(name))).toEqual([]);
    },
  );

  it('probes every app for readiness on the health endpoint it configures', () => {
    for (const name of Object.keys(appKeys).flatMap(servicesOf)) {
      const service = compose.services[name]!;
      const probe = service.healthcheck!.test.join(' ');
      if (name === 'admin-api') {
        expect(probe).toContain(`127.0.0.1:${service.environment!.STROM_ADMIN_PORT}/health`);
        continue;
      }
      const app = name.startsWith('broker-') ? 'broker' : name;
      const port = configOf(service, appKeys[app]!).int('strom.health.port');
      expect(port, name).toBeGreaterThan(0);
      expect(probe, name).toContain(`http://127.0.0.1:${port}/ready`);
    }
    for (const broker of BROKERS) expect(compose.services[broker]!.depends_on!.metadata).toEqual({ condition: 'service_healthy' });
  });

  it('waits for what each app needs before starting it', () => {
    for (const app of ['metadata', 'coordinator']) expect(Object.keys(compose.services[app]!.depends_on ?? {})).toContain('postgres');
    expect(Object.keys(compose.services.orchestrator!.depends_on ?? {})).toContain('temporal');
    for (const app of Object.keys(appKeys).flatMap(servicesOf))
      expect(Object.keys(compose.services[app]!.depends_on ?? {})).toContain('nats');
  });

  it('runs three brokers, each with its own id, data volume and published port, replicating over the internal listener', () => {
    const brokers = BROKERS.map((name) => ({
      name,
      service: compose.services[name]!,
      config: configOf(compose.services[name]!, BROKER_KEYS),
    }));
    expect(brokers.map(({ config }) => config.int('node.id'))).toEqual([1, 2, 3]);
    expect(new Set(brokers.map(({ service }) => service.volumes![0]!.split(':')[0])).size).toBe(3);
    for (const { service } of brokers) expect(Object.keys(compose.volumes)).toContain(service.volumes![0]!.split(':')[0]);
    for (const { name, service, config } of brokers) {
      const advertised = Object.fromEntries(config.advertisedListeners.map((listener) => [listener.name, listener]));
      const interBroker = config.optionalString('inter.broker.listener.name')!;
      // Other containers reach a broker by its service name; the host by the published port.
      expect(advertised[interBroker]).toMatchObject({ host: name });
      const [published, inside] = service.ports![0]!.split(':');
      const external = config.listeners.find((listener) => listener.port === Number(inside))!;
      expect(advertised[external.name]).toMatchObject({ host: 'localhost', port: Number(published) });
    }
    expect(new Set(brokers.map(({ service }) => service.ports![0]!.split(':')[0])).size).toBe(3);
    // Replicated by default: topics, and the offsets topic, as in a production Kafka cluster.
    const metadata = configOf(compose.services.metadata!, METADATA_KEYS);
    expect(metadata.int('default.replication.factor')).toBe(3);
    expect(brokers[0]!.config.int('offsets.topic.replication.factor')).toBe(3);
    expect(brokers[0]!.config.int('min.insync.replicas')).toBe(2);
    expect(compose.services.metadata!.environment!.STROM_TEMPORAL_ADDRESS).toBe('temporal:7233');
    // The failure detection npm run cluster uses (deploy/cluster.properties), for brokers and the metadata service alike.
    for (const config of [metadata, ...brokers.map((broker) => broker.config)]) {
      expect([config.int('broker.session.timeout.ms'), config.int('broker.heartbeat.interval.ms')]).toEqual([3000, 500]);
    }
  });
});
