/**
 * OpenTelemetry tracing for a Strom process, configured by the standard OTEL_* environment
 * variables and off unless they ask for it. When off, no SDK is loaded and the instrumented code
 * checks {@link tracingEnabled} (one boolean) before it creates anything: no cost on the hot path.
 *
 * On when OTEL_TRACES_EXPORTER names an exporter (otlp, console), or, with it unset, when an OTLP
 * endpoint is set (OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT). The
 * specification's default exporter is otlp; Strom's default is none, so a process does not try
 * to reach localhost:4318 on every start. OTEL_SDK_DISABLED=true turns it off whatever else is set.
 * Also read: OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES, OTEL_EXPORTER_OTLP_(TRACES_)PROTOCOL
 * (http/protobuf, the default; http/json; grpc), the exporters' own OTEL_EXPORTER_OTLP_* settings,
 * OTEL_TRACES_SAMPLER(_ARG) and OTEL_BSP_*.
 */
import { context, propagation, trace, type Tracer } from '@opentelemetry/api';

let enabled = false;
let provider: { forceFlush(): Promise<void>; shutdown(): Promise<void> } | undefined;

/** Whether spans are recorded: instrumented code creates none while this is false. */
export function tracingEnabled(): boolean {
  return enabled;
}

/** Strom's tracer (the no-op one of the API while tracing is off). */
export function tracer(): Tracer {
  return trace.getTracer('strom');
}

/** Thrown for OTEL_* values Strom cannot act on: the process refuses to start, naming the variable. */
export class TracingConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TracingConfigError';
  }
}

type Env = Readonly<Record<string, string | undefined>>;

const EXPORTERS = ['otlp', 'console', 'none'] as const;
const PROTOCOLS = ['http/protobuf', 'http/json', 'grpc'] as const;

/** The exporters the environment asks for (empty: tracing stays off). */
export function requestedExporters(env: Env = process.env): ('otlp' | 'console')[] {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return [];
  const named = env.OTEL_TRACES_EXPORTER?.trim();
  if (named === undefined || named === '') {
    return env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ? ['otlp'] : [];
  }
  const exporters = named.split(',').map((name) => name.trim().toLowerCase());
  for (const name of exporters) {
    if (!(EXPORTERS as readonly string[]).includes(name)) {
      throw new TracingConfigError(`OTEL_TRACES_EXPORTER: unknown exporter "${name}" (Strom has ${EXPORTERS.join(', ')})`);
    }
  }
  return [...new Set(exporters.filter((name): name is 'otlp' | 'console' => name !== 'none'))];
}

/**
 * Starts tracing if the process's environment asks for it (the exporters read their own
 * OTEL_EXPORTER_OTLP_* settings from it too): registers the SDK's tracer provider, the
 * AsyncLocalStorage context manager and the W3C trace-context propagator globally. Returns
 * whether it started. Call once, before the process serves anything. `instanceId` tells apart
 * the processes of one service (`service.instance.id`, e.g. a broker's node id);
 * OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES override both.
 */
export async function startTracing(serviceName: string, instanceId?: string): Promise<boolean> {
  const env = process.env;
  const exporters = requestedExporters(env);
  if (exporters.length === 0 || enabled) return enabled;
  const protocol = (env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ?? env.OTEL_EXPORTER_OTLP_PROTOCOL ?? 'http/protobuf').trim();
  if (exporters.includes('otlp') && !(PROTOCOLS as readonly string[]).includes(protocol)) {
    throw new TracingConfigError(`OTEL_EXPORTER_OTLP_PROTOCOL: unknown protocol "${protocol}" (Strom has ${PROTOCOLS.join(', ')})`);
  }
  const batch = batchOptions(env);
  const sampler = await samplerFrom(env);
  // Loaded only now: a process without tracing never pays for the SDK.
  const [sdk, resources, { AsyncLocalStorageContextManager }, core] = await Promise.all([
    import('@opentelemetry/sdk-trace'),
    import('@opentelemetry/resources'),
    import('@opentelemetry/context-async-hooks'),
    import('@opentelemetry/core'),
  ]);
  const spanProcessors = [];
  for (const name of exporters) {
    const exporter = name === 'console' ? new sdk.ConsoleSpanExporter() : await otlpExporter(protocol as (typeof PROTOCOLS)[number]);
    spanProcessors.push(new sdk.BatchSpanProcessor({ exporter, ...batch }));
  }
  const resource = resources
    .resourceFromAttributes({ 'service.name': serviceName, ...(instanceId === undefined ? {} : { 'service.instance.id': instanceId }) })
    .merge(resources.detectResources({ detectors: [resources.envDetector] }));
  const tracerProvider = new sdk.TracerProvider({ resource, spanProcessors, ...(sampler ? { sampler } : {}) });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new core.W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(tracerProvider);
  provider = tracerProvider;
  enabled = true;
  return true;
}

/** Exports the spans still queued and stops (at shutdown). */
export async function stopTracing(): Promise<void> {
  const stopping = provider;
  if (stopping === undefined) return;
  provider = undefined;
  enabled = false;
  await stopping.shutdown();
}

/** Exports the spans queued so far. */
export async function flushTracing(): Promise<void> {
  await provider?.forceFlush();
}

async function otlpExporter(protocol: (typeof PROTOCOLS)[number]) {
  switch (protocol) {
    case 'grpc':
      return new (await import('@opentelemetry/exporter-trace-otlp-grpc')).OTLPTraceExporter();
    case 'http/json':
      return new (await import('@opentelemetry/exporter-trace-otlp-http')).OTLPTraceExporter();
    case 'http/protobuf':
      return new (await import('@opentelemetry/exporter-trace-otlp-proto')).OTLPTraceExporter();
  }
}

/** OTEL_BSP_*: the batch processor's queue is bounded (2048 spans by default; beyond it spans are dropped). */
function batchOptions(env: Env) {
  const read = (name: string, fallback: number): number => {
    const raw = env[name];
    if (raw === undefined || raw.trim() === '') return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < 0) throw new TracingConfigError(`${name}: "${raw}" is not a non-negative integer`);
    return value;
  };
  return {
    maxQueueSize: read('OTEL_BSP_MAX_QUEUE_SIZE', 2048),
    maxExportBatchSize: read('OTEL_BSP_MAX_EXPORT_BATCH_SIZE', 512),
    scheduledDelayMillis: read('OTEL_BSP_SCHEDULE_DELAY', 5000),
    exportTimeoutMillis: read('OTEL_BSP_EXPORT_TIMEOUT', 30000),
  };
}

/** OTEL_TRACES_SAMPLER and its argument; undefined: the SDK's default (parent-based, always on). */
async function samplerFrom(env: Env) {
  const name = env.OTEL_TRACES_SAMPLER?.trim().toLowerCase();
  if (name === undefined || name === '') return undefined;
  const sdk = await import('@opentelemetry/sdk-trace');
  const ratio = (): number => {
    const raw = env.OTEL_TRACES_SAMPLER_ARG;
    const value = raw === undefined || raw.trim() === '' ? 1 : Number(raw);
    if (!(value >= 0 && value <= 1)) throw new TracingConfigError(`OTEL_TRACES_SAMPLER_ARG: "${raw}" is not a ratio in [0, 1]`);
    return value;
  };
  switch (name) {
    case 'always_on':
      return new sdk.AlwaysOnSampler();
    case 'always_off':
      return new sdk.AlwaysOffSampler();
    case 'traceidratio':
      return new sdk.TraceIdRatioBasedSampler(ratio());
    case 'parentbased_always_on':
      return new sdk.ParentBasedSampler({ root: new sdk.AlwaysOnSampler() });
    case 'parentbased_always_off':
      return new sdk.ParentBasedSampler({ root: new sdk.AlwaysOffSampler() });
    case 'parentbased_traceidratio':
      return new sdk.ParentBasedSampler({ root: new sdk.TraceIdRatioBasedSampler(ratio()) });
    default:
      throw new TracingConfigError(`OTEL_TRACES_SAMPLER: unknown sampler "${name}"`);
  }
}
