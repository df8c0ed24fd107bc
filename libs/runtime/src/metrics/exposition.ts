/**
 * Prometheus's text exposition format (version 0.0.4), written straight into bytes: a scrape of
 * 10,000 partitions writes ~230,000 samples (17 MiB), so no object per sample is made and no
 * string of the whole text is kept.
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

function formatValue(value: number): string {
  if (Number.isFinite(value)) return String(value);
  return Number.isNaN(value) ? 'NaN' : value > 0 ? '+Inf' : '-Inf';
}

/** Characters gathered before they are encoded into a chunk: short-lived strings, no long rope. */
const CHUNK_CHARS = 64 * 1024;

/**
 * One scrape's text, encoded as it is written. Families are declared once (`family`), then
 * given samples; a family with no samples is dropped, as Kafka's JMX exporter shows nothing for
 * an MBean that does not exist.
 */
export class ExpositionWriter {
  private readonly chunks: Buffer[] = [];
  private pending = '';
  private header = '';

  /** Starts a family: its `# HELP` and `# TYPE` lines are written with its first sample. */
  family(name: string, type: MetricType, help: string): this {
    this.header = `# HELP ${name} ${help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}\n# TYPE ${name} ${type}\n`;
    return this;
  }

  /** A sample of the current family (`name` may carry a suffix: `_bucket`, `_count`); `labelText` from {@link labels}. */
  sample(name: string, labelText: string, value: number): this {
    if (this.header !== '') {
      this.pending += this.header;
      this.header = '';
    }
    this.pending += `${name}${labelText} ${formatValue(value)}\n`;
    if (this.pending.length >= CHUNK_CHARS) this.flush();
    return this;
  }

  /** Text written by another writer (prom-client's default metrics), appended as it is. */
  raw(text: string): this {
    this.header = '';
    this.pending += text.endsWith('\n') || text === '' ? text : `${text}\n`;
    this.flush();
    return this;
  }

  toBuffer(): Buffer {
    this.flush();
    return this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
  }

  toString(): string {
    return this.toBuffer().toString('utf8');
  }

  private flush(): void {
    if (this.pending === '') return;
    this.chunks.push(Buffer.from(this.pending, 'utf8'));
    this.pending = '';
  }
}
