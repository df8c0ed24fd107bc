import { Inject, Injectable, Module, type OnModuleInit } from '@nestjs/common';
import { InProcessBus, requestJson } from '@strom/bus';
import { freePort, parseExposition } from '@strom/testing';
import { afterEach, describe, expect, it } from 'vitest';
import {
  ChunkPool,
  COMMON_KEYS,
  EXPOSITION_CONTENT_TYPE,
  ExpositionWriter,
  HEALTH_KEYS,
  HealthServer,
  labelBytes,
  labels,
  METRICS,
  MetricsRegistry,
  runProcess,
  BUS,
  type RunningApp,
} from '../src/index.js';
import { StringExpositionWriter } from './string-exposition.js';

describe('the exposition writer', () => {
  it('writes HELP and TYPE once with the first sample, escapes label values and help, and drops a family without samples', () => {
    const out = new ExpositionWriter();
    out.family('empty_total', 'counter', 'never sampled');
    out.family('requests_total', 'counter', 'Requests.\nBy path, with \\ in it.');
    out.sample('requests_total', labels({ path: 'a"b\\c\nd', code: 200 }), 3);
    out.sample('requests_total', '', 4);
    out
      .family('ratio', 'gauge', 'Odd values.')
      .sample('ratio', labels({ v: 'inf' }), Infinity)
      .sample('ratio', labels({ v: 'nan' }), NaN);
    expect(out.toString()).toBe(
      [
        '# HELP requests_total Requests.\\nBy path, with \\\\ in it.',
        '# TYPE requests_total counter',
        'requests_total{path="a\\"b\\\\c\\nd",code="200"} 3',
        'requests_total 4',
        '# HELP ratio Odd values.',
        '# TYPE ratio gauge',
        'ratio{v="inf"} +Inf',
        'ratio{v="nan"} NaN',
        '',
      ].join('\n'),
    );
    const parsed = parseExposition(out.toString());
    expect(parsed.value('requests_total', { path: 'a"b\\c\nd', code: '200' })).toBe(3);
  });
});

describe('the byte writer against the string writer it replaced', () => {
  const tricky = ['plain', 'a"b', 'back\\slash', 'line\nfeed', '\\"\n', 'üñíçødé', '日本語', 'emoji 🦀 pair', 'lone \ud800 surrogate', ''];
  const values = [0, -0, 1, -1, 42, 2 ** 53 - 1, -(2 ** 53 - 1), 2 ** 53, 1e21, 1.5, -0.001, 5e-324, 1 / 3, Infinity, -Infinity, NaN];

  it('writes the same bytes for tricky label values, as strings and as encoded label sets, and every kind of number', () => {
    const bytes = new ExpositionWriter();
    const text = new StringExpositionWriter();
    bytes.raw('# TYPE nodejs_up gauge\nnodejs_up 1');
    text.raw('# TYPE nodejs_up gauge\nnodejs_up 1');
    for (const [i, value] of tricky.entries()) {
      const help = `Help with ${value} in it`;
      // The same series twice: label texts as strings, then encoded once (labelBytes).
      for (const name of [`tricky_${i}`, `tricky_${i}_encoded`]) {
        bytes.family(name, 'gauge', help);
        text.family(name, 'gauge', help);
        for (const [n, number] of values.entries()) {
          const set = { label: value, n };
          bytes.sample(name, name.endsWith('_encoded') ? labelBytes(set) : labels(set), number);
          text.sample(name, labels(set), number);
        }
      }
    }
    bytes.family('never_sampled', 'counter', 'dropped');
    text.family('never_sampled', 'counter', 'dropped');
    expect(bytes.toBuffer().equals(text.toBuffer())).toBe(true);
    const parsed = parseExposition(bytes.toString());
    expect(parsed.value('tricky_1_encoded', { label: 'a"b', n: '4' })).toBe(42);
    expect(parsed.value('tricky_6_encoded', { label: '日本語', n: '6' })).toBe(-(2 ** 53 - 1));
  });

  it('writes the same bytes across chunk boundaries, for a scrape larger than a chunk and raw text larger than one', () => {
    const bytes = new ExpositionWriter();
    const text = new StringExpositionWriter();
    const rows = Array.from({ length: 30_000 }, (_, i) => ({ topic: `tópic-${i % 97}`, partition: i }));
    for (const family of ['kafka_log_log_size', 'kafka_log_log_logendoffset']) {
      bytes.family(family, 'gauge', 'Per partition.');
      text.family(family, 'gauge', 'Per partition.');
      for (const [i, row] of rows.entries()) {
        bytes.sample(family, labelBytes(row), i * 1_000_003);
        text.sample(family, labels(row), i * 1_000_003);
      }
    }
    const large = `${'# a comment line from elsewhere, ünïcode\n'.repeat(40_000)}tail 1`;
    bytes.raw(large);
    text.raw(large);
    const written = bytes.toBuffer();
    expect(written.length).toBeGreaterThan(4 * 1024 * 1024);
    expect(bytes.chunks().length).toBeGreaterThan(1);
    expect(written.equals(text.toBuffer())).toBe(true);
    expect(Buffer.concat(bytes.chunks()).equals(written)).toBe(true);
  });
});

describe('samples written a family at a time', () => {
  it('writes what one sample call per line writes, non-integers and chunk boundaries included, and refuses columns of unequal length', () => {
    const rows = Array.from({ length: 30_000 }, (_, i) => labelBytes({ topic: `t-${i % 7}`, partition: i }));
    const values = rows.map((_, i) => (i % 1_000 === 0 ? i + 0.5 : i % 977 === 0 ? NaN : i * 1_000_003));
    const bulk = new ExpositionWriter();
    const single = new ExpositionWriter();
    for (const name of ['kafka_log_log_size', 'kafka_log_log_logendoffset']) {
      bulk.family(name, 'gauge', 'Per partition.').samples(name, rows, Float64Array.from(values));
      single.family(name, 'gauge', 'Per partition.');
      for (const [i, row] of rows.entries()) single.sample(name, row, values[i]!);
    }
    bulk.family('never_sampled', 'gauge', 'dropped').samples('never_sampled', [], []);
    expect(bulk.chunks().length).toBeGreaterThan(1);
    expect(bulk.toBuffer().equals(single.toBuffer())).toBe(true);
    expect(() => bulk.samples('kafka_log_log_size', rows, [1])).toThrow(/30000 label sets for 1 values/);
  });
});

describe('the chunk pool', () => {
  const write = (out: ExpositionWriter, seed: number) => {
    out.family('kafka_log_log_size', 'gauge', 'Per partition.');
    for (let i = 0; i < 40_000; i++) out.sample('kafka_log_log_size', labelBytes({ topic: `t-${i % 13}`, partition: i }), i * seed);
    return out;
  };

  it('gives released chunks to the next writer, which writes over them the same bytes a fresh writer writes', () => {
    const pool = new ChunkPool(4);
    const first = write(new ExpositionWriter(pool), 7);
    const firstChunks = first.chunks();
    expect(firstChunks.length).toBeGreaterThan(1);
    first.release();
    expect(pool.pooledChunks).toBe(Math.min(firstChunks.length, 4));
    const second = write(new ExpositionWriter(pool), 11);
    // The second scrape's first chunk is memory the first scrape wrote: reused, not allocated.
    expect(firstChunks.some((chunk) => chunk.buffer === second.chunks()[0]!.buffer)).toBe(true);
    expect(second.toBuffer().equals(write(new ExpositionWriter(), 11).toBuffer())).toBe(true);
  });

  it('keeps at most its bound, and only whole chunks', () => {
    const pool = new ChunkPool(2);
    pool.give([Buffer.alloc(1024 * 1024), Buffer.alloc(1024 * 1024), Buffer.alloc(1024 * 1024)]);
    expect(pool.pooledChunks).toBe(2);
    const other = new ChunkPool(2);
    other.give([Buffer.alloc(100), Buffer.alloc(3 * 1024 * 1024)]);
    expect(other.pooledChunks).toBe(0);
  });
});

describe('the metrics registry', () => {
  it("scrapes Node's own metrics and every registered collector until it is removed", async () => {
    const registry = new MetricsRegistry();
    let calls = 0;
    const remove = registry.register((out) => {
      calls++;
      out.family('strom_probe', 'gauge', 'A probe.').sample('strom_probe', labels({ n: calls }), calls);
    });
    const first = parseExposition((await registry.scrape()).toString());
    expect(first.value('strom_probe', { n: '1' })).toBe(1);
    for (const name of [
      'nodejs_eventloop_lag_p99_seconds',
      'nodejs_heap_size_used_bytes',
      'process_resident_memory_bytes',
      'nodejs_gc_duration_seconds',
    ])
      expect(first.types.has(name), name).toBe(true);
    remove();
    const second = parseExposition((await registry.scrape()).toString());
    expect(second.types.has('strom_probe')).toBe(false);
    expect(calls).toBe(1);
  });
});

describe('/metrics on the health endpoint', () => {
  const servers: HealthServer[] = [];
  afterEach(async () => {
    for (const server of servers.splice(0)) await server.close();
  });

  it("answers GET and HEAD with the registry's exposition and its content type, and refuses other methods", async () => {
    const registry = new MetricsRegistry();
    registry.register((out) => void out.family('strom_up', 'gauge', 'Up.').sample('strom_up', '', 1));
    const health = new HealthServer('metadata', registry);
    servers.push(health);
    const port = await health.start('127.0.0.1', 0);
    const response = await fetch(`http://127.0.0.1:${port}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe(EXPOSITION_CONTENT_TYPE);
    expect(parseExposition(await response.text()).value('strom_up')).toBe(1);
    expect((await fetch(`http://127.0.0.1:${port}/metrics`, { method: 'HEAD' })).status).toBe(200);
    expect((await fetch(`http://127.0.0.1:${port}/metrics`, { method: 'POST' })).status).toBe(405);
    expect((await fetch(`http://127.0.0.1:${port}/health`)).status).toBe(200);
  });
});

/** A module of the app under test: it registers a collector with the process's registry, as the apps' modules do. */
@Injectable()
class Probe implements OnModuleInit {
  constructor(@Inject(METRICS) private readonly metrics: MetricsRegistry) {}
  onModuleInit(): void {
    this.metrics.register((out) => void out.family('strom_probe_up', 'gauge', 'The probe module is up.').sample('strom_probe_up', '', 1));
  }
}
@Module({ providers: [Probe] })
class ProbeModule {}

@Injectable()
class Echo implements OnModuleInit {
  constructor(@Inject(BUS) private readonly bus: InProcessBus) {}
  onModuleInit(): void {
    this.bus.reply('probe.echo', (payload) => payload);
  }
}
@Module({ providers: [Echo] })
class EchoModule {}

describe("runProcess's HTTP server (an app of a distributed cluster)", () => {
  let running: RunningApp | undefined;
  afterEach(async () => running?.stop('test done'));

  it("serves the app's metrics, its bus's figures and Node's at /metrics on the health port", async () => {
    const port = await freePort();
    const bus = new InProcessBus();
    running = await runProcess({
      name: 'probe',
      keys: [...COMMON_KEYS, ...HEALTH_KEYS],
      module: () => ({ module: class ProbeApp {}, imports: [ProbeModule, EchoModule] }),
      connect: async () => ({ bus }),
      argv: ['--health-port', String(port), '--log-level', 'silent'],
    });
    const appBus = running!.app.get<InProcessBus>(BUS);
    await requestJson(appBus, 'probe.echo', { hello: 1 }, { timeoutMs: 1_000 });
    const response = await fetch(`http://127.0.0.1:${port}/metrics`);
    expect(response.status).toBe(200);
    const metrics = parseExposition(await response.text());
    expect(metrics.value('strom_probe_up')).toBe(1);
    expect(metrics.value('strom_bus_requests_total', { subject: 'probe.echo' })).toBe(1);
    expect(metrics.value('strom_bus_replies_total', { subject: 'probe.echo' })).toBe(1);
    expect(metrics.types.get('nodejs_eventloop_lag_seconds')).toBe('gauge');
    expect((await fetch(`http://127.0.0.1:${port}/ready`)).status).toBe(200);
  });
});
