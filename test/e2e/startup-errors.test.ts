import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { cleanEnv, mainOf } from './app-process.js';

const execFileAsync = promisify(execFile);

/** Runs an entry point to its exit: its code and stderr. */
async function exitOf(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stderr: string }> {
  const result = await execFileAsync(process.execPath, args, { encoding: 'utf8', timeout: 60_000, env: { ...cleanEnv(), ...env } }).then(
    (done) => ({ code: 0, stderr: done.stderr }),
    (error: { code: number; stderr: string }) => ({ code: error.code, stderr: error.stderr }),
  );
  return result;
}

/** A port some other process holds. */
async function holdPort(): Promise<{ server: Server; port: number }> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as { port: number }).port };
}

describe('a port already in use (issue 13: an uncaught EADDRINUSE stack trace before)', () => {
  let held: { server: Server; port: number };
  let dir: string;
  beforeAll(async () => {
    held = await holdPort();
    dir = mkdtempSync(join(tmpdir(), 'strom-startup-'));
  });
  afterAll(() => {
    held.server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('strom start: one line naming the Kafka listener and the address, exit 2', async () => {
    const { code, stderr } = await exitOf([
      mainOf('strom'),
      'start',
      '--port',
      String(held.port),
      '--admin-port',
      '0',
      '--data-dir',
      join(dir, 'a'),
    ]);
    expect(code).toBe(2);
    expect(stderr.trim()).toBe(`strom start: Kafka listener: cannot listen on 127.0.0.1:${held.port}: address already in use`);
  });

  it('strom start: the admin API port in use, likewise', async () => {
    const { code, stderr } = await exitOf([
      mainOf('strom'),
      'start',
      '--port',
      '0',
      '--admin-port',
      String(held.port),
      '--data-dir',
      join(dir, 'b'),
    ]);
    expect(code).toBe(2);
    expect(stderr.trim()).toBe(`strom start: admin API: cannot listen on 127.0.0.1:${held.port}: address already in use`);
  });

  it('the broker run alone: one line, exit 2', async () => {
    const { code, stderr } = await exitOf([mainOf('broker'), '--port', String(held.port), '--data-dir', join(dir, 'c')], {
      STROM_NATS_URL: inject('natsUrl'),
    });
    expect(code).toBe(2);
    expect(stderr.trim()).toBe(`strom broker: Kafka listener: cannot listen on 127.0.0.1:${held.port}: address already in use`);
  });
});

describe('an inter-broker configuration followers cannot authenticate with', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'strom-startup-inter-broker-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('the broker run alone: one line naming the missing JAAS key, exit 2', async () => {
    const properties = join(dir, 'server.properties');
    writeFileSync(
      properties,
      [
        'listeners=SASL_PLAINTEXT://127.0.0.1:0',
        'security.inter.broker.protocol=SASL_PLAINTEXT',
        'sasl.enabled.mechanisms=SCRAM-SHA-512',
        'sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512',
      ].join('\n'),
    );
    const { code, stderr } = await exitOf([mainOf('broker'), '--config', properties, '--data-dir', join(dir, 'data')], {
      STROM_NATS_URL: inject('natsUrl'),
    });
    expect(code).toBe(2);
    expect(stderr.trim()).toBe(
      `strom broker: ${properties}: listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config: not set: a broker authenticates to the others with the username and password of this JAAS config (SCRAM-SHA-512 on listener SASL_PLAINTEXT)`,
    );
  });
});
