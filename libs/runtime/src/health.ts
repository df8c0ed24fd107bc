import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serveMetrics, type MetricsRegistry } from './metrics/index.js';
import { listenFailure } from './startup-error.js';

export type HealthState = 'starting' | 'ready' | 'stopping';

/**
 * A process's liveness and readiness over HTTP, for orchestrators (Kubernetes probes, compose
 * health checks): `GET /health` answers 200 while the process serves HTTP at all; `GET /ready`
 * answers 200 once the app has started and until it begins to stop, 503 before and after. Both
 * bodies are JSON `{ "status": ... }`. Given a registry, `GET /metrics` serves the process's
 * metrics (Prometheus text format). Nothing else is served.
 */
export class HealthServer {
  private state: HealthState = 'starting';
  private readonly server: Server;

  constructor(
    private readonly name: string,
    metrics?: MetricsRegistry,
  ) {
    this.server = createServer((request, response) => {
      if (metrics && serveMetrics(metrics, request, response)) return;
      const path = (request.url ?? '/').split('?')[0];
      if (path !== '/health' && path !== '/ready') {
        response.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'not found' }));
        return;
      }
      if (request.method !== 'GET' && request.method !== 'HEAD') {
        response
          .writeHead(405, { allow: 'GET, HEAD', 'content-type': 'application/json' })
          .end(JSON.stringify({ error: 'method not allowed' }));
        return;
      }
      const ok = path === '/health' || this.state === 'ready';
      const body = JSON.stringify({ status: path === '/health' ? 'UP' : this.state.toUpperCase(), app: this.name });
      response
        .writeHead(ok ? 200 : 503, { 'content-type': 'application/json', 'cache-control': 'no-store' })
        .end(request.method === 'HEAD' ? undefined : body);
    });
    // A probe must not keep a stopping process alive.
    this.server.keepAliveTimeout = 1_000;
  }

  /** Listens; resolves with the bound port (useful with port 0). */
  async start(host: string, port: number): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', (error) => reject(listenFailure(error, 'health endpoint', host, port)));
      this.server.listen(port, host, () => resolve());
    });
    this.server.unref();
    return (this.server.address() as AddressInfo).port;
  }

  set(state: HealthState): void {
    this.state = state;
  }

  get current(): HealthState {
    return this.state;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
