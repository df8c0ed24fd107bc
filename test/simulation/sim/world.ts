import { type Rng } from '../../crash/harness/rng.js';

/** A node of the simulated cluster: brokers by id, the metadata service, the producing client. */
export type NodeId = number | 'controller' | 'client';

interface Event {
  readonly atMs: number;
  readonly seq: number;
  readonly run: () => void;
}

/**
 * Simulated time and a seeded event queue: one thread, events in (time, insertion) order, so a
 * seed replays the same run exactly. Nothing here reads the wall clock.
 */
export class Scheduler {
  private heap: Event[] = [];
  private seq = 0;
  nowMs = 0;
  executed = 0;

  at(atMs: number, run: () => void): void {
    const event = { atMs: Math.max(atMs, this.nowMs), seq: this.seq++, run };
    const heap = this.heap;
    heap.push(event);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(heap[i]!, heap[parent]!)) break;
      [heap[i], heap[parent]] = [heap[parent]!, heap[i]!];
      i = parent;
    }
  }

  after(delayMs: number, run: () => void): void {
    this.at(this.nowMs + delayMs, run);
  }

  /** Runs events until `untilMs` (or the queue empties, or `stop` says so). */
  runUntil(untilMs: number, stop: () => boolean = () => false): void {
    while (this.heap.length > 0 && this.heap[0]!.atMs <= untilMs && !stop()) {
      const event = this.pop();
      this.nowMs = event.atMs;
      this.executed++;
      event.run();
    }
    if (!stop()) this.nowMs = Math.max(this.nowMs, untilMs);
  }

  private pop(): Event {
    const heap = this.heap;
    const top = heap[0]!;
    const last = heap.pop()!;
    if (heap.length > 0) {
      heap[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let smallest = i;
        if (l < heap.length && before(heap[l]!, heap[smallest]!)) smallest = l;
        if (r < heap.length && before(heap[r]!, heap[smallest]!)) smallest = r;
        if (smallest === i) break;
        [heap[i], heap[smallest]] = [heap[smallest]!, heap[i]!];
        i = smallest;
      }
    }
    return top;
  }
}

function before(a: Event, b: Event): boolean {
  return a.atMs < b.atMs || (a.atMs === b.atMs && a.seq < b.seq);
}

export interface NetworkFaults {
  /** Probability that a message is dropped. */
  readonly lossRate: number;
  readonly minDelayMs: number;
  readonly maxDelayMs: number;
  /** Probability of a much longer delay (which also reorders). */
  readonly spikeRate: number;
  readonly spikeDelayMs: number;
}

/**
 * Messages between nodes: each is delivered after a random delay (so messages reorder), may be
 * lost, and is dropped while either end is cut off by a partition. A message is a closure run
 * at the receiver; the receiver checks it is still alive.
 */
export class Network {
  private readonly isolated = new Set<NodeId>();
  sent = 0;
  dropped = 0;

  constructor(
    private readonly scheduler: Scheduler,
    private readonly rng: Rng,
    private faults: NetworkFaults,
  ) {}

  /** From now on no loss and no delay spikes (the healed phase of a run). */
  calm(): void {
    this.faults = { ...this.faults, lossRate: 0, spikeRate: 0 };
  }

  send(from: NodeId, to: NodeId, deliver: () => void): void {
    this.sent++;
    if (this.cut(from, to) || this.rng.chance(this.faults.lossRate)) {
      this.dropped++;
      return;
    }
    const spike = this.rng.chance(this.faults.spikeRate);
    const delayMs = spike
      ? this.rng.int(this.faults.maxDelayMs, this.faults.spikeDelayMs)
      : this.rng.int(this.faults.minDelayMs, this.faults.maxDelayMs);
    this.scheduler.after(delayMs, () => {
      // A partition that started while the message was in flight drops it too.
      if (this.cut(from, to)) {
        this.dropped++;
        return;
      }
      deliver();
    });
  }

  isolate(node: NodeId): void {
    this.isolated.add(node);
  }

  heal(node: NodeId): void {
    this.isolated.delete(node);
  }

  healAll(): void {
    this.isolated.clear();
  }

  isIsolated(node: NodeId): boolean {
    return this.isolated.has(node);
  }

  private cut(from: NodeId, to: NodeId): boolean {
    return from !== to && (this.isolated.has(from) || this.isolated.has(to));
  }
}
