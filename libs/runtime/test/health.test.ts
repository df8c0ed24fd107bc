import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { HealthServer, StartupError } from '../src/index.js';

describe('the health endpoint of an app run on its own', () => {
  const servers: HealthServer[] = [];
  afterEach(async () => {
    for (const server of servers.splice(0)) await server.close();
  });

  it('is live from the start, ready only between started and stopping, and serves nothing else', async () => {
    const health = new HealthServer('coordinator');
    servers.push(health);
    const port = await health.start('127.0.0.1', 0);
    const get = async (path: string, method = 'GET') => {
      const response = await fetch(`http://127.0.0.1:${port}${path}`, { method });
      return { status: response.status, body: method === 'HEAD' ? '' : await response.text() };
    };
    expect(await get('/health')).toEqual({ status: 200, body: '{"status":"UP","app":"coordinator"}' });
    expect(await get('/ready')).toEqual({ status: 503, body: '{"status":"STARTING","app":"coordinator"}' });
    health.set('ready');
    expect(await get('/ready')).toEqual({ status: 200, body: '{"status":"READY","app":"coordinator"}' });
    expect(await get('/ready?verbose=1', 'HEAD')).toEqual({ status: 200, body: '' });
    health.set('stopping');
    expect(await get('/ready')).toEqual({ status: 503, body: '{"status":"STOPPING","app":"coordinator"}' });
    expect((await get('/health')).status).toBe(200);
    expect((await get('/metrics')).status).toBe(404);
    expect((await get('/ready', 'POST')).status).toBe(405);
  });

  it('fails to start with a StartupError naming the address when the port is taken', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as { port: number }).port;
    try {
      const health = new HealthServer('broker');
      const failure = await health.start('127.0.0.1', port).catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(StartupError);
      expect((failure as Error).message).toBe(`health endpoint: cannot listen on 127.0.0.1:${port}: address already in use`);
    } finally {
      taken.close();
    }
  });
});
