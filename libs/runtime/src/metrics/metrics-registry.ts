import { readdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type * as PromClient from 'prom-client';
import { ChunkPool, EXPOSITION_CONTENT_TYPE, ExpositionWriter } from './exposition.js';

/**
 * Writes one part of a scrape. It reads what the part's owner keeps as plain numbers (counters
 * bumped on the hot path without labels) and builds the label sets here, at scrape time.
 */
export type MetricsCollector = (out: ExpositionWriter) => void | Promise<void>;

/**
 * The metrics of one process (one composition: embedded mode, or one app of a distributed
 * cluster), served at `/metrics`. Each module registers a collector; Node's own metrics (event
 * loop delay, GC, heap, handles) come from prom-client's default metrics, which start with the
 * first scrape: a process nobody scrapes does not load prom-client or time its event loop.
 */
export class MetricsRegistry {
  private readonly collectors = new Set<MetricsCollector>();
  private node?: PromClient.Registry;
  private readonly chunks = new ChunkPool();

  /** Adds a collector; the function returned removes it (a module that stops). */
  register(collector: MetricsCollector): () => void {
    this.collectors.add(collector);
    return () => this.collectors.delete(collector);
  }

  /** The whole exposition (UTF-8): Node's metrics, then each collector's, in registration order. */
  async scrape(): Promise<Buffer> {
    return (await this.write()).toBuffer();
  }

  /**
   * The exposition in the pieces it was written in, to stream (a scrape of 10,000 partitions is
   * 17 MiB), and the function that gives them back for the next scrape once they are sent.
   */
  async scrapeChunks(): Promise<{ chunks: Buffer[]; release: () => void }> {
    const out = await this.write(this.chunks);
    return { chunks: out.chunks(), release: () => out.release() };
  }

  private async write(pool?: ChunkPool): Promise<ExpositionWriter> {
    // Listing /proc/self/fd of a broker with 10,000 partitions takes tens of ms: it runs on the
    // thread pool while the rest is written, not on the event loop as prom-client's would.
    const openFds = countOpenFds();
    const out = new ExpositionWriter(pool);
    out.raw(await this.nodeMetrics().metrics());
    for (const collector of this.collectors) await collector(out);
    const fds = await openFds;
    if (fds !== undefined) out.family('process_open_fds', 'gauge', 'Number of open file descriptors.').sample('process_open_fds', '', fds);
    return out;
  }

  private nodeMetrics(): PromClient.Registry {
    if (!this.node) {
      const promClient = createRequire(import.meta.url)('prom-client') as typeof PromClient;
      this.node = new promClient.Registry();
      promClient.collectDefaultMetrics({ register: this.node });
      this.node.removeSingleMetric('process_open_fds');
    }
    return this.node;
  }
}

/** Open file descriptors of this process (Linux), or undefined where /proc is not there. */
async function countOpenFds(): Promise<number | undefined> {
  try {
    return (await readdir('/proc/self/fd')).length;
  } catch {
    return undefined;
  }
}

/**
 * Answers `GET /metrics` (and HEAD) from the registry; returns false for any other path, so the
 * caller's own routes answer it.
 */
export function serveMetrics(registry: MetricsRegistry, request: IncomingMessage, response: ServerResponse): boolean {
  if ((request.url ?? '/').split('?')[0] !== '/metrics') return false;
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    response
      .writeHead(405, { allow: 'GET, HEAD', 'content-type': 'application/json' })
      .end(JSON.stringify({ error: 'method not allowed' }));
    return true;
  }
  registry.scrapeChunks().then(
    ({ chunks, release }) => {
      let length = 0;
      for (const chunk of chunks) length += chunk.length;
      // 'finish': the socket has handed the last byte to the kernel, so the chunks are free. A
      // response cut short never finishes, and its chunks are left to the collector.
      response.once('finish', release);
      response.writeHead(200, { 'content-type': EXPOSITION_CONTENT_TYPE, 'cache-control': 'no-store', 'content-length': length });
      if (request.method !== 'HEAD') for (const chunk of chunks) response.write(chunk);
      response.end();
    },
    (error: unknown) => {
      response.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end(`metrics could not be collected: ${String(error)}\n`);
    },
  );
  return true;
}
