/**
 * A strict reader of Prometheus's text exposition format (0.0.4), for tests of `/metrics`: it
 * throws on any line Prometheus would refuse, on a sample whose family has no `# TYPE` before
 * it, on a family split into two groups, on a repeated series and on a histogram whose buckets
 * are not cumulative.
 */
export interface ExpositionSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Exposition {
  /** Family name → its declared type. */
  types: Map<string, string>;
  samples: ExpositionSample[];
  /** The value of the one series with exactly these labels, or undefined. */
  value(name: string, labels?: Record<string, string>): number | undefined;
  /** Every sample of a name whose labels include these. */
  matching(name: string, labels?: Record<string, string>): ExpositionSample[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);
const SUFFIXES: Record<string, readonly string[]> = { histogram: ['_bucket', '_sum', '_count'], summary: ['_sum', '_count'] };

export function parseExposition(text: string): Exposition {
  const types = new Map<string, string>();
  const samples: ExpositionSample[] = [];
  const seen = new Set<string>();
  const closed = new Set<string>();
  let current: string | undefined;
  const lines = text.split('\n');
  if (lines.pop() !== '') throw new Error('the exposition does not end with a line feed');
  for (const [index, line] of lines.entries()) {
    const where = `line ${index + 1} (${JSON.stringify(line.slice(0, 120))})`;
    if (line.trim() === '') continue;
    if (line.startsWith('#')) {
      const match = /^# (HELP|TYPE) (\S+)(?: (.*))?$/.exec(line);
      if (!match) continue;
      const [, keyword, name, rest] = match;
      if (!NAME.test(name!)) throw new Error(`${where}: bad metric name`);
      if (keyword === 'TYPE') {
        if (!TYPES.has(rest ?? '')) throw new Error(`${where}: unknown type`);
        if (types.has(name!)) throw new Error(`${where}: a second TYPE for ${name}`);
        types.set(name!, rest!);
        if (current !== undefined && current !== name) closed.add(current);
        current = name;
      }
      continue;
    }
    const sample = parseSample(line, where);
    const family = familyOf(sample.name, types);
    if (family === undefined) throw new Error(`${where}: no # TYPE declares the family of ${sample.name}`);
    if (closed.has(family) || family !== current) throw new Error(`${where}: a sample of ${family} outside its group`);
    const key = `${sample.name}${JSON.stringify(Object.entries(sample.labels).sort())}`;
    if (seen.has(key)) throw new Error(`${where}: the series is repeated`);
    seen.add(key);
    samples.push(sample);
  }
  checkHistograms(types, samples);
  const matches = (sample: ExpositionSample, name: string, labels: Record<string, string>) =>
    sample.name === name && Object.entries(labels).every(([label, value]) => sample.labels[label] === value);
  return {
    types,
    samples,
    value: (name, labels = {}) =>
      samples.find((sample) => matches(sample, name, labels) && Object.keys(sample.labels).length === Object.keys(labels).length)?.value,
    matching: (name, labels = {}) => samples.filter((sample) => matches(sample, name, labels)),
  };
}

function parseSample(line: string, where: string): ExpositionSample {
  const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})? (\S+)(?: -?\d+)?$/.exec(line);
  if (!match) throw new Error(`${where}: not a sample`);
  const [, name, labelText, valueText] = match;
  // Prometheus reads values with Go's ParseFloat: NaN and Inf in any case (prom-client writes `Nan`).
  const special = /^([+-]?)(inf|infinity|nan)$/i.exec(valueText!);
  const value = special ? (special[2]!.toLowerCase() === 'nan' ? NaN : special[1] === '-' ? -Infinity : Infinity) : Number(valueText);
  if (Number.isNaN(value) && !special) throw new Error(`${where}: bad value`);
  return { name: name!, labels: labelText ? parseLabels(labelText.slice(1, -1), where) : {}, value };
}

function parseLabels(text: string, where: string): Record<string, string> {
  const labels: Record<string, string> = {};
  let rest = text;
  while (rest !== '') {
    const match = /^([^=]+)="((?:[^"\\]|\\[\\"n])*)"(,|$)/.exec(rest);
    if (!match || !LABEL_NAME.test(match[1]!)) throw new Error(`${where}: bad labels`);
    if (match[1]! in labels) throw new Error(`${where}: label ${match[1]} twice`);
    labels[match[1]!] = match[2]!.replace(/\\(["\\n])/g, (_, escaped: string) => (escaped === 'n' ? '\n' : escaped));
    rest = rest.slice(match[0].length);
  }
  return labels;
}

function familyOf(name: string, types: Map<string, string>): string | undefined {
  if (types.has(name)) return name;
  for (const [family, type] of types) {
    if ((SUFFIXES[type] ?? []).some((suffix) => name === `${family}${suffix}`)) return family;
  }
  return undefined;
}

function checkHistograms(types: Map<string, string>, samples: readonly ExpositionSample[]): void {
  for (const [family, type] of types) {
    if (type !== 'histogram') continue;
    const series = new Map<string, ExpositionSample[]>();
    for (const sample of samples.filter((s) => s.name === `${family}_bucket`)) {
      const { le, ...rest } = sample.labels;
      if (le === undefined) throw new Error(`${family}: a bucket without le`);
      const key = JSON.stringify(Object.entries(rest).sort());
      series.set(key, [...(series.get(key) ?? []), sample]);
    }
    for (const [key, buckets] of series) {
      const counts = buckets.map((bucket) => bucket.value);
      if (counts.some((count, i) => i > 0 && count < counts[i - 1]!)) throw new Error(`${family}${key}: buckets not cumulative`);
      if (buckets.at(-1)?.labels['le'] !== '+Inf') throw new Error(`${family}${key}: no +Inf bucket last`);
      const count = samples.find((s) => s.name === `${family}_count` && JSON.stringify(Object.entries(s.labels).sort()) === key)?.value;
      if (count !== counts.at(-1)) throw new Error(`${family}${key}: the +Inf bucket is not the count`);
    }
  }
}
