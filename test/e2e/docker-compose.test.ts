import { readFileSync } from 'node:fs';
import { adminApiConfig } from '@strom/admin-api';
import { brokerConfig } from '@strom/broker';
import { coordinatorConfig } from '@strom/coordinator';
import { metadataConfig } from '@strom/metadata';
import { orchestratorConfig } from '@strom/orchestrator';
import { retentionConfig } from '@strom/retention';
import { envNames, type ConfigSchema } from '@strom/runtime';
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

const appSchemas: Record<string, ConfigSchema> = {
  broker: brokerConfig,
  metadata: metadataConfig,
  coordinator: coordinatorConfig,
  retention: retentionConfig,
  orchestrator: orchestratorConfig,
  'admin-api': adminApiConfig,
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

  it.each(Object.keys(appSchemas))('runs %s from its own entry point, reading only env names its config schema knows', (app) => {
    const service = compose.services[app];
    expect(service, `service ${app}`).toBeDefined();
    expect(service!.command).toEqual(['node', `apps/${app}/dist/main.js`]);
    const known = new Set(envNames(appSchemas[app]!));
    const used = Object.keys(service!.environment ?? {});
    expect(used.length).toBeGreaterThan(0);
    expect(used.filter((name) => !known.has(name))).toEqual([]);
  });

  it('waits for what each app needs before starting it', () => {
    for (const app of ['metadata', 'coordinator']) expect(Object.keys(compose.services[app]!.depends_on ?? {})).toContain('postgres');
    expect(Object.keys(compose.services.orchestrator!.depends_on ?? {})).toContain('temporal');
    for (const app of Object.keys(appSchemas)) expect(Object.keys(compose.services[app]!.depends_on ?? {})).toContain('nats');
  });
});
