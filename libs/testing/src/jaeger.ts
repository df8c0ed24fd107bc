import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findExecutable, freePort, run, say, waitFor } from './tools.js';

/**
 * Jaeger (v2, built on the OpenTelemetry Collector): a real OTLP endpoint for the tracing tests,
 * keeping what it receives in memory and answering queries over HTTP. Built from source with Go
 * (the machines have no internet but the package registries) from the pinned module in
 * libs/testing/jaeger/ (go.mod and go.sum: every dependency's version and checksum fixed).
 */
export const jaegerVersion = 'v1.75.0';

const MODULE_DIR = fileURLToPath(new URL('../jaeger/', import.meta.url));

export function jaegerPath(): string {
  const cacheRoot = process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache');
  return join(cacheRoot, 'strom', `jaeger-${jaegerVersion}`, 'jaeger');
}

/** The path of the `jaeger` binary, building it into the cache the first time (a few minutes). */
export function ensureJaeger(): string {
  const path = jaegerPath();
  if (existsSync(path)) return path;
  const go = findExecutable('go', ['/usr/local/go/bin']);
  if (!go) throw new Error(`Jaeger is not built and Go is missing; install Go, then run the tests again (it builds ${path})`);
  const build = mkdtempSync(join(tmpdir(), 'strom-jaeger-build-'));
  try {
    copyFileSync(join(MODULE_DIR, 'go.mod'), join(build, 'go.mod'));
    copyFileSync(join(MODULE_DIR, 'go.sum'), join(build, 'go.sum'));
    mkdirSync(join(path, '..'), { recursive: true });
    say(`building Jaeger ${jaegerVersion} with go build into ${path} (a few minutes, once)`);
    // A name of its own: two processes building at once each rename a whole binary into place.
    const partial = `${path}.${process.pid}.partial`;
    run(go, ['build', '-o', partial, 'github.com/jaegertracing/jaeger/cmd/jaeger'], { cwd: build });
    renameSync(partial, path);
  } finally {
    rmSync(build, { recursive: true, force: true });
  }
  return path;
}

/** A span as Jaeger's query API gives it. */
export interface JaegerSpan {
  traceID: string;
  spanID: string;
  operationName: string;
  references: { refType: 'CHILD_OF' | 'FOLLOWS_FROM'; traceID: string; spanID: string }[];
  tags: { key: string; type: string; value: unknown }[];
  processID: string;
  /** The process that sent the span: its service.name and resource attributes (service.instance.id …). */
  process: JaegerProcess;
}

export interface JaegerProcess {
  serviceName: string;
  tags: { key: string; type: string; value: unknown }[];
}

export interface JaegerServer {
  /** The OTLP/HTTP endpoint, as OTEL_EXPORTER_OTLP_ENDPOINT takes it. */
  readonly otlpHttpEndpoint: string;
  /** The OTLP/gRPC endpoint. */
  readonly otlpGrpcEndpoint: string;
  /** Every span of `service`'s traces that Jaeger holds (at most `limit` traces). */
  spans(service: string, limit?: number): Promise<JaegerSpan[]>;
  stop(): Promise<void>;
}

/** Starts Jaeger with an in-memory store, OTLP receivers and its query API on free loopback ports. */
export async function startJaeger(): Promise<JaegerServer> {
  const path = ensureJaeger();
  const [otlpHttp, otlpGrpc, queryHttp, queryGrpc] = [await freePort(), await freePort(), await freePort(), await freePort()];
  const dir = mkdtempSync(join(tmpdir(), 'strom-jaeger-'));
  const config = join(dir, 'config.yaml');
  writeFileSync(config, jaegerConfig({ otlpHttp, otlpGrpc, queryHttp, queryGrpc }));
  const child: ChildProcess = spawn(path, ['--config', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const query = `http://127.0.0.1:${queryHttp}`;
  try {
    await waitFor(
      'Jaeger to answer',
      async () => {
        if (child.exitCode !== null) throw new Error(`Jaeger exited (${child.exitCode}): ${stderr}`);
        return fetch(`${query}/api/services`).then(
          (response) => response.ok,
          () => false,
        );
      },
      30_000,
    );
  } catch (error) {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    otlpHttpEndpoint: `http://127.0.0.1:${otlpHttp}`,
    otlpGrpcEndpoint: `http://127.0.0.1:${otlpGrpc}`,
    async spans(service, limit = 1000) {
      const response = await fetch(`${query}/api/traces?service=${encodeURIComponent(service)}&limit=${limit}&lookback=1h`);
      if (!response.ok) throw new Error(`Jaeger query: HTTP ${response.status}: ${await response.text()}`);
      const body = (await response.json()) as {
        data: { spans: Omit<JaegerSpan, 'process'>[]; processes: Record<string, JaegerProcess> }[] | null;
      };
      return (body.data ?? []).flatMap((trace) => trace.spans.map((span) => ({ ...span, process: trace.processes[span.processID]! })));
    },
    async stop() {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Jaeger's all-in-one configuration, on the given ports, without its own metrics endpoint. */
function jaegerConfig(ports: { otlpHttp: number; otlpGrpc: number; queryHttp: number; queryGrpc: number }): string {
  return `service:
  extensions: [jaeger_storage, jaeger_query]
  pipelines:
    traces:
      receivers: [otlp]
      processors: [batch]
      exporters: [jaeger_storage_exporter]
  telemetry:
    metrics:
      level: none
    logs:
      level: warn
extensions:
  jaeger_query:
    storage:
      traces: memstore
    http:
      endpoint: 127.0.0.1:${ports.queryHttp}
    grpc:
      endpoint: 127.0.0.1:${ports.queryGrpc}
  jaeger_storage:
    backends:
      memstore:
        memory:
          max_traces: 100000
receivers:
  otlp:
    protocols:
      http:
        endpoint: 127.0.0.1:${ports.otlpHttp}
      grpc:
        endpoint: 127.0.0.1:${ports.otlpGrpc}
processors:
  batch:
    timeout: 100ms
exporters:
  jaeger_storage_exporter:
    trace_storage: memstore
`;
}

/** A span's tag value by key. */
export function spanTag(span: JaegerSpan, key: string): unknown {
  return span.tags.find((tag) => tag.key === key)?.value;
}
