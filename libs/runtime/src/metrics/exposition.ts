/**
 * Prometheus's text exposition format (version 0.0.4), written straight into bytes: a scrape of
 * 10,000 partitions writes ~230,000 samples (17 MiB), so no object or string per sample is made,
 * no string of the whole text is kept, and the text is streamed in the chunks it was written in.
 * Label texts of the many series (per partition, per group and partition) are encoded once and
 * kept by their owners ({@link LabelBytes}); integers are written digit by digit. Measured: joining
 * each sample's pieces with `+=` and encoding 64K characters at a time spent most of a scrape in
 * flattening those strings and collecting them.
 * https://prometheus.io/docs/instrumenting/exposition_formats/
 */
export const EXPOSITION_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

export type MetricType = 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';

/** Label values escaped as the format says: backslash, double quote and line feed. */
export function escapeLabelValue(value: string): string {
  return /[\\"\n]/.test(value) ? value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n') : value;
}

/** `{a="x",b="y"}` (empty for no labels), built once per label set at scrape time. */
export function labels(set: Readonly<Record<string, string | number>>): string {
  let text = '';
  for (const name in set) text += `${text === '' ? '' : ','}${name}="${escapeLabelValue(String(set[name]))}"`;
  return text === '' ? '' : `{${text}}`;
}

/** A label text ({@link labels}) encoded as UTF-8 once, for a series written every scrape. */
export type LabelBytes = Uint8Array;

/** {@link labels}, encoded: kept by the owner of a series that is written every scrape. */
export function labelBytes(set: Readonly<Record<string, string | number>>): LabelBytes {
  return Buffer.from(labels(set), 'utf8');
}

function formatValue(value: number): string {
  if (Number.isFinite(value)) return String(value);
  return Number.isNaN(value) ? 'NaN' : value > 0 ? '+Inf' : '-Inf';
}

/** Bytes of a chunk: a scrape of 10,000 partitions fills ~18; a small process's fits in one. */
const CHUNK_BYTES = 1024 * 1024;
/** Bytes a sample's separator, sign, digits of a safe integer and line feed take at most. */
const MAX_NUMBER_BYTES = 20;
const SPACE = 0x20;
const NEWLINE = 0x0a;
const MINUS = 0x2d;
const ZERO = 0x30;

/**
 * The chunks of earlier scrapes, given back once their response was sent: a scrape of 10,000
 * partitions would otherwise allocate ~18 MiB of fresh buffers each time, which V8 counts
 * toward its heap limit (`--external-memory-accounted-in-global-limit`) and collects for.
 * Holds at most `maxChunks`.
 */
export class ChunkPool {
  private readonly free: Buffer[] = [];

  constructor(private readonly maxChunks = 32) {}

  take(bytes: number): Buffer {
    if (bytes <= CHUNK_BYTES) {
      const pooled = this.free.pop();
      if (pooled !== undefined) return pooled;
    }
    return Buffer.allocUnsafeSlow(Math.max(CHUNK_BYTES, bytes));
  }

  /** Chunks whose bytes nobody reads any more. */
  give(chunks: readonly Buffer[]): void {
    for (const chunk of chunks) {
      if (this.free.length >= this.maxChunks) return;
      if (chunk.length === CHUNK_BYTES) this.free.push(chunk);
    }
  }

  get pooledChunks(): number {
    return this.free.length;
  }
}

/**
 * One scrape's text, encoded as it is written. Families are declared once (`family`), then
 * given samples; a family with no samples is dropped, as Kafka's JMX exporter shows nothing for
 * an MBean that does not exist.
 */
export class ExpositionWriter {
  private readonly full: Buffer[] = [];
  /** Every chunk taken, whole: what {@link release} gives back. */
  private readonly taken: Buffer[] = [];
  private chunk: Buffer | undefined;
  private at = 0;
  private header = '';
  /** The last sample name and its bytes: a family's samples share one name string. */
  private name = '';
  private nameBytes: Buffer = Buffer.alloc(0);

  /** `pool`: where chunks come from and go back to on {@link release}; fresh ones without. */
  constructor(private readonly pool?: ChunkPool) {}

  /** Starts a family: its `# HELP` and `# TYPE` lines are written with its first sample. */
  family(name: string, type: MetricType, help: string): this {
    this.header = `# HELP ${name} ${help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}\n# TYPE ${name} ${type}\n`;
    return this;
  }

  /**
   * A sample of the current family (`name` may carry a suffix: `_bucket`, `_count`); `labelText`
   * from {@link labels}, or {@link labelBytes} for a series written every scrape.
   */
  sample(name: string, labelText: string | LabelBytes, value: number): this {
    if (this.header !== '') {
      this.text(this.header);
      this.header = '';
    }
    if (name !== this.name) {
      this.name = name;
      this.nameBytes = Buffer.from(name, 'utf8');
    }
    if (typeof labelText !== 'string' && Number.isSafeInteger(value)) return this.encodedLine(labelText, value);
    this.bytes(this.nameBytes);
    if (typeof labelText === 'string') this.text(labelText);
    else this.bytes(labelText);
    if (Number.isSafeInteger(value)) {
      this.reserve(MAX_NUMBER_BYTES);
      this.chunk![this.at++] = SPACE;
      this.integer(value);
      this.chunk![this.at++] = NEWLINE;
    } else {
      this.text(` ${formatValue(value)}\n`);
    }
    return this;
  }

  /**
   * A sample per encoded label set of the current family, `values[i]` for `labelTexts[i]`: the
   * per-partition families of a large broker, written in one loop instead of a call per line.
   */
  samples(name: string, labelTexts: readonly LabelBytes[], values: ArrayLike<number>): this {
    if (labelTexts.length !== values.length) throw new Error(`${name}: ${labelTexts.length} label sets for ${values.length} values`);
    if (labelTexts.length === 0) return this;
    // The first sample writes the family's header and sets the name's bytes; the rest are lines.
    this.sample(name, labelTexts[0]!, values[0]!);
    for (let i = 1; i < labelTexts.length; i++) {
      const value = values[i]!;
      if (Number.isSafeInteger(value)) this.encodedLine(labelTexts[i]!, value);
      else this.sample(name, labelTexts[i]!, value);
    }
    return this;
  }

  /** The common line of a many-series family (encoded labels, an integer), with one look at the room left. */
  private encodedLine(labelText: LabelBytes, value: number): this {
    const name = this.nameBytes;
    this.reserve(name.length + labelText.length + MAX_NUMBER_BYTES);
    const chunk = this.chunk!;
    chunk.set(name, this.at);
    chunk.set(labelText, this.at + name.length);
    this.at += name.length + labelText.length;
    chunk[this.at++] = SPACE;
    this.integer(value);
    chunk[this.at++] = NEWLINE;
    return this;
  }

  /** Text written by another writer (prom-client's default metrics), appended as it is. */
  raw(text: string): this {
    this.header = '';
    this.text(text.endsWith('\n') || text === '' ? text : `${text}\n`);
    return this;
  }

  /** The text as it was written, in pieces: to stream without copying it into one buffer. */
  chunks(): Buffer[] {
    return this.chunk === undefined || this.at === 0 ? [...this.full] : [...this.full, this.chunk.subarray(0, this.at)];
  }

  /** Gives the chunks back to the pool: the text must not be read after this. */
  release(): void {
    this.pool?.give(this.taken);
    this.taken.length = 0;
    this.full.length = 0;
    this.chunk = undefined;
    this.at = 0;
  }

  toBuffer(): Buffer {
    const chunks = this.chunks();
    return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
  }

  toString(): string {
    return this.toBuffer().toString('utf8');
  }

  /** Makes room for `bytes` more in the current chunk, starting a new one when it has not. */
  private reserve(bytes: number): void {
    if (this.chunk !== undefined && this.at + bytes <= this.chunk.length) return;
    if (this.chunk !== undefined && this.at > 0) this.full.push(this.chunk.subarray(0, this.at));
    this.chunk = this.pool?.take(bytes) ?? Buffer.allocUnsafeSlow(Math.max(CHUNK_BYTES, bytes));
    this.taken.push(this.chunk);
    this.at = 0;
  }

  private bytes(bytes: Uint8Array): void {
    this.reserve(bytes.length);
    this.chunk!.set(bytes, this.at);
    this.at += bytes.length;
  }

  private text(text: string): void {
    // A UTF-16 unit is at most 3 bytes of UTF-8 (a surrogate pair, two units, is 4).
    this.reserve(text.length * 3);
    this.at += this.chunk!.write(text, this.at, 'utf8');
  }

  /** A safe integer in decimal as String writes it (-0 as 0); the room is reserved by the caller. */
  private integer(value: number): void {
    const chunk = this.chunk!;
    let rest = value;
    if (rest < 0) {
      chunk[this.at++] = MINUS;
      rest = -rest;
    }
    let digits = 1;
    for (let bound = 10; bound <= rest; bound *= 10) digits++;
    let at = this.at + digits;
    this.at = at;
    do {
      const next = Math.floor(rest / 10);
      chunk[--at] = ZERO + (rest - next * 10);
      rest = next;
    } while (rest > 0);
  }
}
