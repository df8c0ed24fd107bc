/**
 * The contract every Bus implementation must meet. Each implementation's test file calls
 * busContract() with a factory; the factory gets optional BusOptions (limits, onError) and
 * returns one bus, optionally a second one (a second connection to the same server / hub),
 * and a teardown.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  BusClosedError,
  BusConflictError,
  BusError,
  BusInvalidArgumentError,
  BusNoRespondersError,
  BusPayloadTooLargeError,
  BusRemoteError,
  BusSlowConsumerError,
  BusStreamFullError,
  BusTimeoutError,
  requestJson,
  replyJson,
  type Bus,
  type BusOptions,
  type StreamEntry,
  type Subscription,
} from '../src/index.js';

export interface BusFixture {
  bus: Bus;
  /** A second, independent bus on the same server/hub. Tests fall back to `bus`. */
  bus2?: Bus;
  teardown(): Promise<void>;
}

export type MakeBus = (options?: BusOptions) => Promise<BusFixture>;

const enc = (s: string) => Buffer.from(s, 'utf8');
const dec = (b: Uint8Array) => Buffer.from(b).toString('utf8');
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
let unique = 0;
/** Unique per test, so tests sharing a server don't see each other's subjects/streams. */
const uid = () => `t${process.pid}_${Date.now().toString(36)}_${unique++}`;

async function waitUntil(what: string, condition: () => boolean, timeoutMs = 3_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(5);
  }
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the promise to reject, but it resolved');
}

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to throw, but it returned');
}

const collect = (entries: StreamEntry[]) => (entry: StreamEntry) => void entries.push(entry);
const seqs = (entries: StreamEntry[]) => entries.map((e) => e.seq);
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => BigInt(from + i));

export function busContract(name: string, makeBus: MakeBus): void {
  describe(`Bus contract: ${name}`, () => {
    const fixtures: BusFixture[] = [];
    const open = async (options?: BusOptions) => {
      const fixture = await makeBus(options);
      fixtures.push(fixture);
      return { bus: fixture.bus, bus2: fixture.bus2 ?? fixture.bus };
    };
    afterEach(async () => {
      await Promise.all(fixtures.splice(0).map((f) => f.teardown()));
    });

    describe('request/reply', () => {
      it('round-trips bytes to a responder on another connection, with the subject in ctx', async () => {
        const { bus, bus2 } = await open();
        const s = uid();
        const seen: string[] = [];
        const sub = bus2.reply(`${s}.echo.*`, (payload, ctx) => {
          seen.push(ctx.subject);
          return enc(`echo:${dec(payload)}`);
        });
        await sub.ready;
        const answer = await bus.request(`${s}.echo.one`, enc('hello'), { timeoutMs: 2_000 });
        expect(Buffer.isBuffer(answer)).toBe(true);
        expect(dec(answer)).toBe('echo:hello');
        expect(seen).toEqual([`${s}.echo.one`]);
        // An async handler and a binary payload work too.
        await sub.unsubscribe();
        const sub2 = bus2.reply(`${s}.bin`, async (payload) => {
          await sleep(1);
          return Uint8Array.from([...payload].reverse());
        });
        await sub2.ready;
        const bin = await bus.request(`${s}.bin`, Uint8Array.from([0, 1, 2, 255]), { timeoutMs: 2_000 });
        expect([...bin]).toEqual([255, 2, 1, 0]);
      });

      it('rejects fast with BusNoRespondersError when nobody listens', async () => {
        const { bus } = await open();
        const started = Date.now();
        const error = await rejection(bus.request(`${uid()}.nobody`, enc('x'), { timeoutMs: 5_000 }));
        const elapsed = Date.now() - started;
        expect(error).toBeInstanceOf(BusNoRespondersError);
        expect(error).toBeInstanceOf(BusError);
        expect((error as BusError).code).toBe('NO_RESPONDERS');
        expect(elapsed).toBeLessThan(1_000);
      });

      it('rejects with BusTimeoutError when the responder is too slow', async () => {
        const { bus, bus2 } = await open();
        const s = uid();
        let release!: () => void;
        const gate = new Promise<void>((resolve) => (release = resolve));
        const sub = bus2.reply(s, async () => {
          await gate;
          return enc('late');
        });
        await sub.ready;
        const started = Date.now();
        const error = await rejection(bus.request(s, enc('x'), { timeoutMs: 200 }));
        const elapsed = Date.now() - started;
        release();
        expect(error).toBeInstanceOf(BusTimeoutError);
        expect((error as BusError).code).toBe('TIMEOUT');
        expect(elapsed).toBeGreaterThanOrEqual(180);
        expect(elapsed).toBeLessThan(2_000);
      });

      it('turns a throwing handler into BusRemoteError with its message, and keeps serving', async () => {
        const { bus, bus2 } = await open();
        const s = uid();
        const sub = bus2.reply(s, (payload) => {
          if (dec(payload) === 'bad') {
            throw Object.assign(new TypeError('cannot frobnicate "bad"\nsecond line'), { code: 'E_FROB' });
          }
          return enc('fine');
        });
        await sub.ready;
        const started = Date.now();
        const error = await rejection(bus.request(s, enc('bad'), { timeoutMs: 5_000 }));
        expect(Date.now() - started).toBeLessThan(1_000);
        expect(error).toBeInstanceOf(BusRemoteError);
        const remote = error as BusRemoteError;
        expect(remote.code).toBe('REMOTE');
        expect(remote.message).toBe('cannot frobnicate "bad"\nsecond line');
        expect(remote.remoteName).toBe('TypeError');
        expect(remote.remoteCode).toBe('E_FROB');
        expect(dec(await bus.request(s, enc('good'), { timeoutMs: 2_000 }))).toBe('fine');
      });

      it('reports a handler that returns something other than bytes as BusRemoteError', async () => {
        const { bus, bus2 } = await open();
        const s = uid();
        const sub = bus2.reply(s, () => 'not bytes' as unknown as Buffer);
        await sub.ready;
        const error = await rejection(bus.request(s, enc('x'), { timeoutMs: 2_000 }));
        expect(error).toBeInstanceOf(BusRemoteError);
      });

      it('answers each request once within a queue group', async () => {
        const { bus, bus2 } = await open();
        const s = uid();
        const calls = [0, 0, 0];
        const subs = [bus, bus2, bus2].map((b, i) =>
          b.reply(
            s,
            () => {
              calls[i]!++;
              return enc(String(i));
            },
            { queue: 'svc' },
          ),
        );
        await Promise.all(subs.map((sub) => sub.ready));
        const answers = await Promise.all(Array.from({ length: 30 }, () => bus.request(s, enc('q'), { timeoutMs: 2_000 })));
        expect(answers.map(dec).every((a) => ['0', '1', '2'].includes(a))).toBe(true);
        await sleep(50);
        expect(calls.reduce((a, b) => a + b, 0)).toBe(30);
      });

      it('requires a sane timeout', async () => {
        const { bus } = await open();
        const missing = await rejection(bus.request(uid(), enc('x'), {} as { timeoutMs: number }));
        expect(missing).toBeInstanceOf(BusInvalidArgumentError);
        const negative = await rejection(bus.request(uid(), enc('x'), { timeoutMs: -1 }));
        expect(negative).toBeInstanceOf(BusInvalidArgumentError);
      });

      it('offers JSON helpers on top of bytes', async () => {
        const { bus, bus2 } = await open();
        const s = uid();
        const sub = replyJson<{ a: number; b: number }, { sum: number }>(bus2, s, ({ a, b }) => ({ sum: a + b }));
        await sub.ready;
        expect(await requestJson(bus, s, { a: 2, b: 40 }, { timeoutMs: 2_000 })).toEqual({ sum: 42 });
        const error = await rejection(bus.request(s, enc('{not json'), { timeoutMs: 2_000 }));
        expect(error).toBeInstanceOf(BusRemoteError);
      });
    });

    describe('publish/subscribe', () => {
      it('delivers by NATS wildcard semantics', async () => {
        const { bus, bus2 } = await open();
        const s = uid();
        const got: Record<string, string[]> = { star: [], tail: [], exact: [], mid: [] };
        const subs = [
          bus2.subscribe(`${s}.orders.*`, (p, ctx) => void got.star!.push(`${ctx.subject}=${dec(p)}`)),
          bus2.subscribe(`${s}.orders.>`, (p, ctx) => void got.tail!.push(`${ctx.subject}=${dec(p)}`)),
          bus2.subscribe(`${s}.orders.eu.created`, (p, ctx) => void got.exact!.push(`${ctx.subject}=${dec(p)}`)),
          bus.subscribe(`${s}.*.eu.*`, (p, ctx) => void got.mid!.push(`${ctx.subject}=${dec(p)}`)),
        ];
        await Promise.all(subs.map((sub) => sub.ready));
        bus.publish(`${s}.orders`, enc('0'));
        bus.publish(`${s}.orders.eu`, enc('1'));
        bus.publish(`${s}.orders.eu.created`, enc('2'));
        bus.publish(`${s}.orders.us.created.late`, enc('3'));
        bus.publish(`${s}.other.eu.x`, enc('4'));
        await waitUntil('wildcard deliveries', () => got.tail!.length === 3 && got.mid!.length === 2);
        await sleep(50);
        expect(got.star).toEqual([`${s}.orders.eu=1`]);
        expect(got.tail).toEqual([`${s}.orders.eu=1`, `${s}.orders.eu.created=2`, `${s}.orders.us.created.late=3`]);
        expect(got.exact).toEqual([`${s}.orders.eu.created=2`]);
        expect(got.mid).toEqual([`${s}.orders.eu.created=2`, `${s}.other.eu.x=4`]);
      });

      it('gives each message to exactly one member of a queue group, and to every plain subscriber', async () => {
        const { bus, bus2 } = await open();
        const s = uid();
        const group: string[][] = [[], [], []];
        const plain: string[] = [];
        const subs = [
          bus.subscribe(`${s}.work`, (p) => void group[0]!.push(dec(p)), { queue: 'workers' }),
          bus2.subscribe(`${s}.work`, (p) => void group[1]!.push(dec(p)), { queue: 'workers' }),
          bus2.subscribe(`${s}.*`, (p) => void group[2]!.push(dec(p)), { queue: 'workers' }),
          bus2.subscribe(`${s}.work`, (p) => void plain.push(dec(p))),
        ];
        await Promise.all(subs.map((sub) => sub.ready));
        const n = 60;
        for (let i = 0; i < n; i++) bus.publish(`${s}.work`, enc(String(i)));
        const total = () => group.reduce((a, g) => a + g.length, 0);
        await waitUntil('queue group deliveries', () => total() >= n && plain.length >= n);
        await sleep(50);
        expect(total()).toBe(n);
        expect(new Set(group.flat()).size).toBe(n);
        expect(plain).toEqual(Array.from({ length: n }, (_, i) => String(i)));
      });

      it('delivers asynchronously, in order, one message at a time per subscription', async () => {
        const { bus } = await open();
        const s = uid();
        const got: number[] = [];
        let started = 0;
        let running = 0;
        let maxRunning = 0;
        const sub = bus.subscribe(s, async (p) => {
          started++;
          running++;
          maxRunning = Math.max(maxRunning, running);
          await sleep(0);
          got.push(Number(dec(p)));
          running--;
        });
        await sub.ready;
        for (let i = 0; i < 200; i++) bus.publish(s, enc(String(i)));
        expect(started).toBe(0); // no handler ran inside publish()
        await waitUntil('200 messages', () => got.length === 200);
        expect(got).toEqual(Array.from({ length: 200 }, (_, i) => i));
        expect(maxRunning).toBe(1);
      });

      it('stops delivering after unsubscribe', async () => {
        const { bus, bus2 } = await open();
        const s = uid();
        const got: string[] = [];
        const sub = bus2.subscribe(s, (p) => void got.push(dec(p)));
        await sub.ready;
        bus.publish(s, enc('before'));
        await waitUntil('first message', () => got.length === 1);
        await sub.unsubscribe();
        expect(sub.isClosed).toBe(true);
        bus.publish(s, enc('after'));
        await sleep(100);
        expect(got).toEqual(['before']);
        // Unsubscribed from the responder side, a request finds no responders.
        const error = await rejection(bus.request(s, enc('x'), { timeoutMs: 2_000 }));
        expect(error).toBeInstanceOf(BusNoRespondersError);
      });

      it('routes nothing to a responder once its unsubscribe resolved: the next request finds no responders', async () => {
        const { bus, bus2 } = await open();
        // A lost request would wait out its timeout; several rounds make the race likely to show.
        for (let round = 0; round < 20; round++) {
          const s = uid();
          const sub = bus2.reply(s, () => enc('pong'));
          await sub.ready;
          expect(dec(await bus.request(s, enc('ping'), { timeoutMs: 5_000 }))).toBe('pong');
          await sub.unsubscribe();
          const error = await rejection(bus.request(s, enc('ping'), { timeoutMs: 5_000 }));
          expect(error).toBeInstanceOf(BusNoRespondersError);
        }
      });

      it('sends subscriber errors to onError and keeps delivering', async () => {
        const errors: unknown[] = [];
        const { bus } = await open({ onError: (e) => void errors.push(e) });
        const s = uid();
        const got: string[] = [];
        const sub = bus.subscribe(s, (p) => {
          if (dec(p) === 'boom') throw new Error('subscriber failed');
          got.push(dec(p));
        });
        await sub.ready;
        bus.publish(s, enc('boom'));
        bus.publish(s, enc('ok'));
        await waitUntil('second message', () => got.length === 1);
        expect(errors).toHaveLength(1);
        expect((errors[0] as Error).message).toBe('subscriber failed');
      });

      it('bounds a slow subscriber queue, dropping and reporting BusSlowConsumerError', async () => {
        const errors: unknown[] = [];
        const { bus } = await open({ maxPendingMessages: 5, onError: (e) => void errors.push(e) });
        const s = uid();
        let release!: () => void;
        const gate = new Promise<void>((resolve) => (release = resolve));
        let handled = 0;
        const sub = bus.subscribe(s, async () => {
          await gate;
          handled++;
        });
        await sub.ready;
        for (let i = 0; i < 50; i++) bus.publish(s, enc(String(i)));
        await waitUntil('slow consumer report', () => errors.length > 0);
        expect(errors[0]).toBeInstanceOf(BusSlowConsumerError);
        release();
        await sleep(100);
        expect(handled).toBeGreaterThanOrEqual(1);
        expect(handled).toBeLessThanOrEqual(6); // 5 queued + 1 in flight
      });

      it('rejects invalid subjects', async () => {
        const { bus } = await open();
        expect(thrown(() => bus.publish('a.*', enc('x')))).toBeInstanceOf(BusInvalidArgumentError);
        expect(thrown(() => bus.publish('a..b', enc('x')))).toBeInstanceOf(BusInvalidArgumentError);
        expect(thrown(() => bus.publish('', enc('x')))).toBeInstanceOf(BusInvalidArgumentError);
        expect(thrown(() => bus.subscribe('a.>.b', () => undefined))).toBeInstanceOf(BusInvalidArgumentError);
        expect(thrown(() => bus.subscribe('a b', () => undefined))).toBeInstanceOf(BusInvalidArgumentError);
        expect(await rejection(bus.request('x.>', enc('x'), { timeoutMs: 100 }))).toBeInstanceOf(BusInvalidArgumentError);
      });
    });

    describe('streams', () => {
      it('appends in order, reads from the start and from the middle, and reports the last sequence', async () => {
        const { bus, bus2 } = await open();
        const stream = bus.stream(uid());
        expect(await stream.lastSequence()).toBe(0n);
        const n = 100;
        const assigned: bigint[] = [];
        for (let i = 1; i <= n; i++) assigned.push(await stream.append(enc(`e${i}`)));
        expect(assigned).toEqual(range(1, n));
        expect(await stream.lastSequence()).toBe(BigInt(n));

        const all: StreamEntry[] = [];
        const fromMiddle: StreamEntry[] = [];
        const other = bus2.stream(stream.name); // another connection sees the same stream
        const r1 = stream.read(1n, collect(all));
        const r2 = other.read(50n, collect(fromMiddle));
        await Promise.all([r1.ready, r2.ready]);
        await waitUntil('reads', () => all.length >= n && fromMiddle.length >= n - 49);
        await sleep(50);
        expect(seqs(all)).toEqual(range(1, n));
        expect(all.map((e) => dec(e.payload))).toEqual(range(1, n).map((i) => `e${i}`));
        expect(seqs(fromMiddle)).toEqual(range(50, n));
        expect(dec(fromMiddle[0]!.payload)).toBe('e50');
        await Promise.all([r1.unsubscribe(), r2.unsubscribe()]);
      });

      it('tails live appends exactly once, also for a reader that starts past the end', async () => {
        const { bus, bus2 } = await open();
        const name = uid();
        const writer = bus.stream(name);
        for (let i = 1; i <= 3; i++) await writer.append(enc(`e${i}`));
        const tail: StreamEntry[] = [];
        const ahead: StreamEntry[] = [];
        const r1 = bus2.stream(name).read(2n, collect(tail));
        const r2 = bus2.stream(name).read(6n, collect(ahead));
        await Promise.all([r1.ready, r2.ready]);
        await waitUntil('catch-up', () => tail.length === 2);
        for (let i = 4; i <= 8; i++) await writer.append(enc(`e${i}`));
        await waitUntil('tail', () => tail.length >= 7 && ahead.length >= 3);
        await sleep(100);
        expect(seqs(tail)).toEqual(range(2, 8));
        expect(tail.map((e) => dec(e.payload))).toEqual(range(2, 8).map((i) => `e${i}`));
        expect(seqs(ahead)).toEqual(range(6, 8));
        await r1.unsubscribe();
        await writer.append(enc('e9'));
        await waitUntil('ahead gets e9', () => ahead.length === 4);
        await sleep(50);
        expect(tail).toHaveLength(7);
        await r2.unsubscribe();
      });

      it('awaits the handler before delivering the next entry', async () => {
        const { bus } = await open();
        const stream = bus.stream(uid());
        for (let i = 1; i <= 20; i++) await stream.append(enc(String(i)));
        const got: bigint[] = [];
        let running = 0;
        let maxRunning = 0;
        const read = stream.read(1n, async (entry) => {
          running++;
          maxRunning = Math.max(maxRunning, running);
          await sleep(1);
          got.push(entry.seq);
          running--;
        });
        await read.ready;
        await waitUntil('20 entries', () => got.length === 20);
        expect(got).toEqual(range(1, 20));
        expect(maxRunning).toBe(1);
        await read.unsubscribe();
      });

      it('supports compare-and-set appends with BusConflictError', async () => {
        const { bus, bus2 } = await open();
        const name = uid();
        const stream = bus.stream(name);
        expect(await stream.append(enc('first'), { expectedLastSeq: 0n })).toBe(1n);
        const conflict = await rejection(stream.append(enc('again'), { expectedLastSeq: 0n }));
        expect(conflict).toBeInstanceOf(BusConflictError);
        expect((conflict as BusConflictError).code).toBe('CONFLICT');
        expect((conflict as BusConflictError).expectedLastSeq).toBe(0n);
        expect((conflict as BusConflictError).actualLastSeq).toBe(1n);
        expect(await stream.append(enc('second'), { expectedLastSeq: 1n })).toBe(2n);
        // Two writers racing on the same expectation: exactly one wins.
        const results = await Promise.allSettled([
          stream.append(enc('a'), { expectedLastSeq: 2n }),
          bus2.stream(name).append(enc('b'), { expectedLastSeq: 2n }),
        ]);
        const won = results.filter((r) => r.status === 'fulfilled');
        const lost = results.filter((r) => r.status === 'rejected');
        expect(won).toHaveLength(1);
        expect((won[0] as PromiseFulfilledResult<bigint>).value).toBe(3n);
        expect(lost).toHaveLength(1);
        expect((lost[0] as PromiseRejectedResult).reason).toBeInstanceOf(BusConflictError);
        expect(await stream.lastSequence()).toBe(3n);
      });

      it('stops a read whose handler throws, reporting it, without skipping the entry', async () => {
        const errors: unknown[] = [];
        const { bus } = await open({ onError: (e) => void errors.push(e) });
        const stream = bus.stream(uid());
        for (let i = 1; i <= 5; i++) await stream.append(enc(String(i)));
        const got: bigint[] = [];
        const read = stream.read(1n, (entry) => {
          if (entry.seq === 3n) throw new Error('cannot apply 3');
          got.push(entry.seq);
        });
        await read.ready;
        await waitUntil('error report', () => errors.length === 1);
        await stream.append(enc('6'));
        await sleep(100);
        expect(got).toEqual([1n, 2n]);
        expect((errors[0] as Error).message).toBe('cannot apply 3');
        expect(read.isClosed).toBe(true);
        // Resuming from the failed entry delivers it.
        const resumed: bigint[] = [];
        const again = stream.read(3n, (entry) => void resumed.push(entry.seq));
        await waitUntil('resume', () => resumed.length === 4);
        expect(resumed).toEqual(range(3, 6));
        await again.unsubscribe();
      });

      it('rejects appends beyond maxStreamEntries with BusStreamFullError', async () => {
        const { bus } = await open({ maxStreamEntries: 3 });
        const stream = bus.stream(uid());
        for (let i = 1; i <= 3; i++) await stream.append(enc(String(i)));
        const error = await rejection(stream.append(enc('4')));
        expect(error).toBeInstanceOf(BusStreamFullError);
        expect(await stream.lastSequence()).toBe(3n);
      });

      it('rejects invalid stream names', async () => {
        const { bus } = await open();
        expect(thrown(() => bus.stream('has.dot'))).toBeInstanceOf(BusInvalidArgumentError);
        expect(thrown(() => bus.stream(''))).toBeInstanceOf(BusInvalidArgumentError);
      });
    });

    describe('limits', () => {
      it('defaults to a 1 MiB payload limit', async () => {
        const { bus } = await open();
        expect(bus.maxPayloadBytes).toBe(1024 * 1024);
        expect(thrown(() => bus.publish(uid(), new Uint8Array(1024 * 1024 + 1)))).toBeInstanceOf(BusPayloadTooLargeError);
      });

      it('rejects oversized payloads everywhere, accepts the limit exactly', async () => {
        const { bus, bus2 } = await open({ maxPayloadBytes: 1024 });
        const s = uid();
        const big = new Uint8Array(1025);
        const max = new Uint8Array(1024).fill(7);
        const published = thrown(() => bus.publish(s, big));
        expect(published).toBeInstanceOf(BusPayloadTooLargeError);
        expect((published as BusPayloadTooLargeError).code).toBe('PAYLOAD_TOO_LARGE');
        expect((published as BusPayloadTooLargeError).sizeBytes).toBe(1025);
        const sub = bus2.reply(s, (p) => (p.length === 1 ? new Uint8Array(2048) : p));
        await sub.ready;
        expect(await rejection(bus.request(s, big, { timeoutMs: 1_000 }))).toBeInstanceOf(BusPayloadTooLargeError);
        expect((await bus.request(s, max, { timeoutMs: 2_000 })).equals(Buffer.from(max))).toBe(true);
        // A reply that is too large comes back as a remote error, not a hang.
        expect(await rejection(bus.request(s, new Uint8Array(1), { timeoutMs: 2_000 }))).toBeInstanceOf(BusRemoteError);
        const stream = bus.stream(uid());
        expect(await rejection(stream.append(big))).toBeInstanceOf(BusPayloadTooLargeError);
        expect(await stream.append(max)).toBe(1n);
      });
    });

    describe('close', () => {
      it('rejects pending requests and every further call with BusClosedError', async () => {
        const { bus, bus2 } = await open();
        if (bus === bus2) throw new Error('this test needs two buses');
        const s = uid();
        let release!: () => void;
        const gate = new Promise<void>((resolve) => (release = resolve));
        const sub = bus2.reply(s, async () => {
          await gate;
          return enc('late');
        });
        await sub.ready;
        const stream = bus.stream(uid());
        await stream.append(enc('x'));
        const pending = rejection(bus.request(s, enc('x'), { timeoutMs: 10_000 }));
        await sleep(20);
        const started = Date.now();
        await bus.close();
        await bus.close(); // idempotent
        expect(bus.isClosed).toBe(true);
        expect(await pending).toBeInstanceOf(BusClosedError);
        expect(Date.now() - started).toBeLessThan(3_000);
        release();

        expect(await rejection(bus.request(s, enc('x'), { timeoutMs: 1_000 }))).toBeInstanceOf(BusClosedError);
        expect(thrown(() => bus.publish(s, enc('x')))).toBeInstanceOf(BusClosedError);
        expect(thrown(() => bus.subscribe(s, () => undefined))).toBeInstanceOf(BusClosedError);
        expect(thrown(() => bus.reply(s, () => enc('x')))).toBeInstanceOf(BusClosedError);
        expect(thrown(() => bus.stream('other'))).toBeInstanceOf(BusClosedError);
        expect(await rejection(stream.append(enc('y')))).toBeInstanceOf(BusClosedError);
        expect(await rejection(stream.lastSequence())).toBeInstanceOf(BusClosedError);
        expect(thrown(() => stream.read(1n, () => undefined))).toBeInstanceOf(BusClosedError);
        // The other bus is unaffected.
        expect(await bus2.stream(stream.name).lastSequence()).toBe(1n);
      });

      it('closes subscriptions and reads, letting queued messages finish', async () => {
        const { bus, bus2 } = await open();
        if (bus === bus2) throw new Error('this test needs two buses');
        const s = uid();
        const got: string[] = [];
        const subs: Subscription[] = [
          bus.subscribe(s, async (p) => {
            await sleep(30);
            got.push(dec(p));
          }),
        ];
        const entries: StreamEntry[] = [];
        const stream = bus.stream(uid());
        subs.push(stream.read(1n, collect(entries)));
        await Promise.all(subs.map((sub) => sub.ready));
        for (let i = 0; i < 5; i++) bus2.publish(s, enc(String(i)));
        await waitUntil('first delivery', () => got.length >= 1);
        await bus.close();
        expect(got).toEqual(['0', '1', '2', '3', '4']);
        expect(subs.every((sub) => sub.isClosed)).toBe(true);
        await bus2.stream(stream.name).append(enc('after close'));
        await sleep(50);
        expect(entries).toEqual([]);
        expect(await rejection(bus2.request(s, enc('x'), { timeoutMs: 1_000 }))).toBeInstanceOf(BusNoRespondersError);
      });
    });
  });
}
