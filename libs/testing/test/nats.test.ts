import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { startNatsServer } from '../src/nats.js';

function firstBytes(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error('no data within 2000 ms'));
    }, 2_000);
    socket.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    socket.once('data', (data: Buffer) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(data.toString('utf8'));
    });
  });
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('startNatsServer', () => {
  it('starts a JetStream-enabled nats-server on 127.0.0.1 and stops it completely', async () => {
    const server = await startNatsServer({ jetStream: true });
    expect(server.url).toBe(`nats://127.0.0.1:${server.port}`);
    const info = await firstBytes(server.port);
    expect(info.startsWith('INFO ')).toBe(true);
    expect(JSON.parse(info.slice(5).trim())).toMatchObject({ port: server.port, jetstream: true });
    expect(processAlive(server.pid)).toBe(true);
    expect(existsSync(server.storeDir)).toBe(true);

    await server.stop();
    await server.stop(); // idempotent
    expect(processAlive(server.pid)).toBe(false);
    expect(existsSync(server.storeDir)).toBe(false);
    await expect(firstBytes(server.port)).rejects.toThrow();
  });

  it('runs several servers side by side on different ports, each with its own storage', async () => {
    const [a, b] = await Promise.all([startNatsServer(), startNatsServer({ jetStream: false })]);
    try {
      expect(a.port).not.toBe(b.port);
      expect(JSON.parse((await firstBytes(b.port)).slice(5).trim()).jetstream ?? false).toBe(false);
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
    expect(processAlive(a.pid) || processAlive(b.pid)).toBe(false);
    expect(existsSync(a.storeDir) || existsSync(b.storeDir)).toBe(false);
  });
});
