import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DynamicModule, INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { listenFailure, PinoNestLogger, serveMetrics, type Logger, type MetricsRegistry } from '@strom/runtime';

type RequestListener = (request: IncomingMessage, response: ServerResponse) => void;

/**
 * The admin API of embedded mode, booted on its first request: the port is bound at start (a
 * taken port fails the start, and the ready line names it), but the admin API's NestJS HTTP
 * app, with Express under it, is made only when a request comes. Measured: it saved ~80 ms of
 * start-up and ~12 MiB of idle memory for a broker nobody asks over HTTP. `/metrics` is answered
 * here, without the admin API: a Prometheus scraping the broker does not boot it, and a scrape
 * of 17 MiB (10,000 partitions) goes out as one buffer. In distributed mode the admin API is its
 * own process and boots as usual (its MetricsController answers `/metrics`).
 */
export class AdminOnDemand {
  private app: Promise<INestApplication> | undefined;
  private closed = false;

  private constructor(
    private readonly server: Server,
    readonly port: number,
    private readonly module: DynamicModule,
    private readonly logger: Logger,
    private readonly metrics: MetricsRegistry,
  ) {}

  /** Listens on host:port; `module` is the admin API's composition (it runs as a second NestJS app on the same bus). */
  static async listen(host: string, port: number, module: DynamicModule, logger: Logger, metrics: MetricsRegistry): Promise<AdminOnDemand> {
    let handle: RequestListener = () => {};
    const server = createServer((request, response) => handle(request, response));
    await new Promise<void>((resolve, reject) => {
      server.once('error', (error) => reject(listenFailure(error, 'admin API', host, port)));
      server.listen(port, host, () => resolve());
    });
    const admin = new AdminOnDemand(server, (server.address() as AddressInfo).port, module, logger, metrics);
    handle = (request, response) => admin.serve(request, response);
    return admin;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    const app = await this.app?.catch(() => undefined);
    await app?.close();
  }

  private serve(request: IncomingMessage, response: ServerResponse): void {
    if (this.closed) {
      response.writeHead(503).end();
      return;
    }
    if (serveMetrics(this.metrics, request, response)) return;
    const booting = (this.app ??= this.boot());
    booting.then(
      (app) => (app.getHttpAdapter().getInstance() as RequestListener)(request, response),
      (error: unknown) => {
        // The next request tries again.
        if (this.app === booting) this.app = undefined;
        this.logger.error({ err: error }, 'the admin API could not start');
        response.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'the admin API could not start' }));
      },
    );
  }

  private async boot(): Promise<INestApplication> {
    const app = await NestFactory.create(this.module, {
      logger: new PinoNestLogger(this.logger.child({ component: 'nest' })),
      abortOnError: false,
    });
    await app.init();
    this.logger.debug('admin API started on its first request');
    return app;
  }
}
