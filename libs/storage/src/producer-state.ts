import { crc32c, NO_PRODUCER_ID } from '@strom/protocol';
import { incrementSequence, type BatchHeader } from './batch.js';
import { invariant, type LogErrorName } from './errors.js';

/** Kafka keeps the last 5 batches per producer for duplicate detection (max in-flight = 5). */
export const PRODUCER_BATCHES_RETAINED = 5;
/** producer.id.expiration.ms default. */
export const DEFAULT_PRODUCER_ID_EXPIRATION_MS = 24 * 60 * 60 * 1000;

export interface ProducerBatch {
  firstSequence: number;
  lastSequence: number;
  firstOffset: number;
  lastOffset: number;
  maxTimestamp: number;
}

export interface ProducerEntry {
  producerId: bigint;
  epoch: number;
  /** Oldest first, at most PRODUCER_BATCHES_RETAINED. */
  batches: ProducerBatch[];
  coordinatorEpoch: number;
  /** First offset of the open transaction, -1 if none. */
  currentTxnFirstOffset: number;
}

export type ProducerCheck =
  { kind: 'ok' } | { kind: 'duplicate'; batch: ProducerBatch } | { kind: 'error'; error: LogErrorName; message: string };

const OK: ProducerCheck = { kind: 'ok' };

function cloneEntry(entry: ProducerEntry): ProducerEntry {
  return { ...entry, batches: entry.batches.map((batch) => ({ ...batch })) };
}

/**
 * Idempotent-producer state of one partition: per producer id the epoch and the last five
 * batches, enough to answer a retried batch with its original offsets. Kafka's rules
 * (ProducerStateManager / ProducerAppendInfo) for a leader append:
 *  - a lower epoch than known is fenced (INVALID_PRODUCER_EPOCH);
 *  - a higher epoch must start at sequence 0;
 *  - in the same epoch a batch matching a retained one is a duplicate; otherwise its first
 *    sequence must follow the last one (OUT_OF_ORDER_SEQUENCE_NUMBER);
 *  - an unknown producer may start at any sequence (its state may have been deleted with
 *    old segments).
 */
export class ProducerStateTable {
  private readonly producers = new Map<bigint, ProducerEntry>();

  get size(): number {
    return this.producers.size;
  }

  get(producerId: bigint): ProducerEntry | undefined {
    const entry = this.producers.get(producerId);
    return entry && cloneEntry(entry);
  }

  entries(): ProducerEntry[] {
    return [...this.producers.values()].map(cloneEntry);
  }

  /**
   * Checks a leader append of several batches as one unit: returns per batch what to do,
   * and stages the updates; `commit` applies them once offsets are assigned.
   */
  check(headers: readonly BatchHeader[]): ProducerCheck[] {
    const staged = new Map<bigint, ProducerEntry | undefined>();
    return headers.map((header) => {
      if (header.producerId === NO_PRODUCER_ID) return OK;
      const entry = staged.has(header.producerId) ? staged.get(header.producerId) : this.producers.get(header.producerId);
      const result = checkOne(entry, header);
      if (result.kind === 'ok') {
        const next: ProducerEntry = entry ? cloneEntry(entry) : newEntry(header.producerId, header.producerEpoch);
        applyBatch(next, header, 0, header.lastOffset - header.baseOffset);
        staged.set(header.producerId, next);
      }
      return result;
    });
  }

  /** Records an appended batch (leader after `check`, follower, recovery: no checks). */
  update(header: BatchHeader): void {
    if (header.producerId === NO_PRODUCER_ID) return;
    let entry = this.producers.get(header.producerId);
    if (!entry) {
      entry = newEntry(header.producerId, header.producerEpoch);
      this.producers.set(header.producerId, entry);
    }
    applyBatch(entry, header, header.baseOffset, header.lastOffset);
  }

  /** Forgets producers whose last batch is below `logStartOffset` (Kafka does the same). */
  removeBefore(logStartOffset: number): void {
    for (const [id, entry] of this.producers) {
      const last = entry.batches[entry.batches.length - 1];
      if (!last || last.lastOffset < logStartOffset) this.producers.delete(id);
    }
  }

  removeExpired(nowMs: number, expirationMs = DEFAULT_PRODUCER_ID_EXPIRATION_MS): void {
    for (const [id, entry] of this.producers) {
      const last = entry.batches[entry.batches.length - 1];
      if (entry.currentTxnFirstOffset < 0 && (!last || nowMs - last.maxTimestamp >= expirationMs)) this.producers.delete(id);
    }
  }

  clear(): void {
    this.producers.clear();
  }

  /**
   * Kafka's producer snapshot file (version 1): version i16, crc u32 (CRC32C of what
   * follows), count i32, entries of {producerId i64, epoch i16, lastSequence i32,
   * lastOffset i64, offsetDelta i32, timestamp i64, coordinatorEpoch i32,
   * currentTxnFirstOffset i64}. We write one entry per retained batch, oldest first: Kafka's
   * reader keeps the last entry per producer id (its newest batch), ours keeps all five.
   */
  encodeSnapshot(): Buffer {
    const rows: { entry: ProducerEntry; batch: ProducerBatch | undefined }[] = [];
    for (const entry of this.producers.values()) {
      if (entry.batches.length === 0) rows.push({ entry, batch: undefined });
      for (const batch of entry.batches) rows.push({ entry, batch });
    }
    const buf = Buffer.alloc(10 + rows.length * SNAPSHOT_ENTRY_BYTES);
    buf.writeInt16BE(SNAPSHOT_VERSION, 0);
    buf.writeInt32BE(rows.length, 6);
    let at = 10;
    for (const { entry, batch } of rows) {
      buf.writeBigInt64BE(entry.producerId, at);
      buf.writeInt16BE(entry.epoch, at + 8);
      buf.writeInt32BE(batch?.lastSequence ?? -1, at + 10);
      buf.writeBigInt64BE(BigInt(batch?.lastOffset ?? -1), at + 14);
      buf.writeInt32BE(batch ? batch.lastOffset - batch.firstOffset : 0, at + 22);
      buf.writeBigInt64BE(BigInt(batch?.maxTimestamp ?? -1), at + 26);
      buf.writeInt32BE(entry.coordinatorEpoch, at + 34);
      buf.writeBigInt64BE(BigInt(entry.currentTxnFirstOffset), at + 38);
      at += SNAPSHOT_ENTRY_BYTES;
    }
    buf.writeUInt32BE(crc32c(buf.subarray(6)), 2);
    return buf;
  }

  /** Replaces the table with a snapshot's content; throws on a corrupt snapshot. */
  loadSnapshot(buf: Buffer): void {
    invariant(buf.length >= 10, 'producer snapshot too short');
    invariant(buf.readInt16BE(0) === SNAPSHOT_VERSION, 'producer snapshot version');
    invariant(buf.readUInt32BE(2) === crc32c(buf.subarray(6)), 'producer snapshot crc');
    const count = buf.readInt32BE(6);
    invariant(count >= 0 && buf.length === 10 + count * SNAPSHOT_ENTRY_BYTES, 'producer snapshot length');
    this.producers.clear();
    for (let i = 0, at = 10; i < count; i++, at += SNAPSHOT_ENTRY_BYTES) {
      const producerId = buf.readBigInt64BE(at);
      const epoch = buf.readInt16BE(at + 8);
      const lastSequence = buf.readInt32BE(at + 10);
      const lastOffset = Number(buf.readBigInt64BE(at + 14));
      const offsetDelta = buf.readInt32BE(at + 22);
      let entry = this.producers.get(producerId);
      if (!entry || entry.epoch !== epoch) {
        entry = newEntry(producerId, epoch);
        this.producers.set(producerId, entry);
      }
      entry.coordinatorEpoch = buf.readInt32BE(at + 34);
      entry.currentTxnFirstOffset = Number(buf.readBigInt64BE(at + 38));
      if (lastOffset < 0) continue;
      entry.batches.push({
        firstSequence: lastSequence < 0 ? -1 : incrementSequence(lastSequence, -offsetDelta),
        lastSequence,
        firstOffset: lastOffset - offsetDelta,
        lastOffset,
        maxTimestamp: Number(buf.readBigInt64BE(at + 26)),
      });
      if (entry.batches.length > PRODUCER_BATCHES_RETAINED) entry.batches.shift();
    }
  }
}

const SNAPSHOT_VERSION = 1;
const SNAPSHOT_ENTRY_BYTES = 46;

function newEntry(producerId: bigint, epoch: number): ProducerEntry {
  return { producerId, epoch, batches: [], coordinatorEpoch: -1, currentTxnFirstOffset: -1 };
}

function checkOne(entry: ProducerEntry | undefined, header: BatchHeader): ProducerCheck {
  if (!entry) return OK;
  if (header.producerEpoch < entry.epoch) {
    return { kind: 'error', error: 'INVALID_PRODUCER_EPOCH', message: `epoch ${header.producerEpoch} is older than ${entry.epoch}` };
  }
  if (header.producerEpoch > entry.epoch) {
    if (header.baseSequence === 0) return OK;
    return {
      kind: 'error',
      error: 'OUT_OF_ORDER_SEQUENCE_NUMBER',
      message: `new epoch ${header.producerEpoch} must start at sequence 0, got ${header.baseSequence}`,
    };
  }
  const duplicate = entry.batches.find((b) => b.firstSequence === header.baseSequence && b.lastSequence === header.lastSequence);
  if (duplicate) return { kind: 'duplicate', batch: { ...duplicate } };
  const last = entry.batches[entry.batches.length - 1];
  if (!last || incrementSequence(last.lastSequence, 1) === header.baseSequence) return OK;
  return {
    kind: 'error',
    error: 'OUT_OF_ORDER_SEQUENCE_NUMBER',
    message: `expected sequence ${incrementSequence(last.lastSequence, 1)}, got ${header.baseSequence}`,
  };
}

function applyBatch(entry: ProducerEntry, header: BatchHeader, firstOffset: number, lastOffset: number): void {
  if (header.producerEpoch !== entry.epoch) {
    entry.epoch = header.producerEpoch;
    entry.batches = [];
  }
  entry.batches.push({
    firstSequence: header.baseSequence,
    lastSequence: header.lastSequence,
    firstOffset,
    lastOffset,
    maxTimestamp: header.maxTimestamp,
  });
  if (entry.batches.length > PRODUCER_BATCHES_RETAINED) entry.batches.shift();
  if (header.isTransactional && entry.currentTxnFirstOffset < 0 && !header.isControl) entry.currentTxnFirstOffset = firstOffset;
  if (header.isControl) entry.currentTxnFirstOffset = -1;
}
