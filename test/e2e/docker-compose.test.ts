import { readFileSync } from 'node:fs';
import { ADMIN_API_KEYS } from '@strom/admin-api';
import { BROKER_KEYS } from '@strom/broker';
import { envNames } from '@strom/config';
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
}

const compose = parse(readFileSync(new URL('../../docker-compose.yml', import.meta.url), 'utf8'), { merge: true }) as {
  services: Record<string, ComposeService>;
};

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

  it.each(Object.keys(appKeys))('runs %s from its own entry point, reading only env names its configuration keys have', (app) => {
    const service = compose.services[app];
    expect(service, `service ${app}`).toBeDefined();
    expect(service!.command).toEqual(['node', `apps/${app}/dist/main.js`]);
    const known = new Set(envNames(appKeys[app]!));
    const used = Object.keys(service!.environment ?? {});
    expect(used.length).toBeGreaterThan(0);
    expect(used.filter((name) => !known.has(name))).toEqual([]);
  });

  it('waits for what each app needs before starting it', () => {
    for (const app of ['metadata', 'coordinator']) expect(Object.keys(compose.services[app]!.depends_on ?? {})).toContain('postgres');
    expect(Object.keys(compose.services.orchestrator!.depends_on ?? {})).toContain('temporal');
    for (const app of Object.keys(appKeys)) expect(Object.keys(compose.services[app]!.depends_on ?? {})).toContain('nats');
  });
});
