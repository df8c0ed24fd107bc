import type { BrowsedRecord } from './api.ts';

/** How a key or value is shown. `auto` is JSON when it parses, text when it is UTF-8, else hex. */
export type ByteFormat = 'auto' | 'json' | 'text' | 'hex';

export function fromBase64(base64: string): Uint8Array {
  const binary = atob(base64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function asText(bytes: Uint8Array): string | undefined {
  try {
    return utf8.decode(bytes);
  } catch {
    return undefined;
  }
}

export function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join(' ');
}

/** A key or value (base64, or null) as `format` shows it. */
export function showBytes(base64: string | null, format: ByteFormat): string {
  if (base64 === null) return 'null';
  const bytes = fromBase64(base64);
  if (format === 'hex') return hex(bytes);
  const text = asText(bytes);
  if (format === 'text') return text ?? `(not UTF-8) ${hex(bytes)}`;
  if (text !== undefined) {
    try {
      return JSON.stringify(JSON.parse(text), null, format === 'json' ? 2 : undefined);
    } catch {
      if (format === 'json') return `(not JSON) ${text}`;
    }
    return text;
  }
  return hex(bytes);
}

/** The text of a key or value (base64, or null): UTF-8 when it is, else the hex of its bytes. */
export function plain(base64: string | null): string | null {
  if (base64 === null) return null;
  const bytes = fromBase64(base64);
  return asText(bytes) ?? hex(bytes);
}

/** Records as JSON for a file: keys, values and headers as text (UTF-8) with their base64 beside them. */
export function recordsJson(records: readonly BrowsedRecord[]): string {
  return JSON.stringify(
    records.map((record) => ({
      partition: record.partition,
      offset: record.offset,
      timestamp: new Date(record.timestamp).toISOString(),
      key: plain(record.key),
      value: plain(record.value),
      headers: Object.fromEntries(record.headers.map((header) => [header.key, plain(header.value)])),
      key_base64: record.key,
      value_base64: record.value,
    })),
    null,
    2,
  );
}

function csvField(value: string | number | null): string {
  const text = value === null ? '' : String(value);
  return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** Records as CSV (RFC 4180): partition, offset, timestamp, key, value, headers as JSON. */
export function recordsCsv(records: readonly BrowsedRecord[]): string {
  const rows = records.map((record) =>
    [
      record.partition,
      record.offset,
      new Date(record.timestamp).toISOString(),
      plain(record.key),
      plain(record.value),
      JSON.stringify(Object.fromEntries(record.headers.map((header) => [header.key, plain(header.value)]))),
    ]
      .map(csvField)
      .join(','),
  );
  return ['partition,offset,timestamp,key,value,headers', ...rows].join('\r\n') + '\r\n';
}

/** Offers `content` as a file download. */
export function download(name: string, type: string, content: string): void {
  const url = URL.createObjectURL(new Blob([content], { type }));
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1_000);
}

export function time(timestampMs: number): string {
  return new Date(timestampMs).toISOString().replace('T', ' ').replace('Z', ' UTC');
}
