// Java .properties syntax, as java.util.Properties.load reads it: `#`/`!` comment lines, `key=value`,
// `key: value` and `key value`, backslash line continuations, escapes (\t \n \r \f \uXXXX, and
// `\x` meaning x), leading whitespace ignored. Later keys override earlier ones.
import { readFile } from 'node:fs/promises';

export class PropertiesSyntaxError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(`line ${line}: ${message}`);
    this.name = 'PropertiesSyntaxError';
  }
}

export interface PropertyEntry {
  readonly key: string;
  readonly value: string;
  /** 1-based line where the logical line starts. */
  readonly line: number;
}

const WHITESPACE = new Set([' ', '\t', '\f']);

function endsWithOddBackslashes(s: string): boolean {
  let count = 0;
  for (let i = s.length - 1; i >= 0 && s[i] === '\\'; i--) count++;
  return count % 2 === 1;
}

function stripLeadingWhitespace(s: string): string {
  let i = 0;
  while (i < s.length && WHITESPACE.has(s[i] as string)) i++;
  return s.slice(i);
}

/** Properties.loadConvert: resolve escapes. */
function unescape(s: string, line: number): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i] as string;
    if (c !== '\\') {
      out += c;
      continue;
    }
    i++;
    const e = s[i];
    if (e === undefined) break; // a lone trailing backslash is dropped
    if (e === 'u') {
      const hex = s.slice(i + 1, i + 5);
      if (!/^[0-9A-Fa-f]{4}$/.test(hex)) throw new PropertiesSyntaxError(line, 'Malformed \\uxxxx encoding.');
      out += String.fromCharCode(parseInt(hex, 16));
      i += 4;
    } else {
      out += e === 't' ? '\t' : e === 'n' ? '\n' : e === 'r' ? '\r' : e === 'f' ? '\f' : e;
    }
  }
  return out;
}

/** Split one logical line into key and value (Properties.load0). */
function splitKeyValue(logical: string, line: number): PropertyEntry {
  let keyLen = 0;
  let valueStart = logical.length;
  let hasSeparator = false;
  let precedingBackslash = false;
  while (keyLen < logical.length) {
    const c = logical[keyLen] as string;
    if ((c === '=' || c === ':') && !precedingBackslash) {
      valueStart = keyLen + 1;
      hasSeparator = true;
      break;
    }
    if (WHITESPACE.has(c) && !precedingBackslash) {
      valueStart = keyLen + 1;
      break;
    }
    precedingBackslash = c === '\\' ? !precedingBackslash : false;
    keyLen++;
  }
  while (valueStart < logical.length) {
    const c = logical[valueStart] as string;
    if (!WHITESPACE.has(c)) {
      if (!hasSeparator && (c === '=' || c === ':')) hasSeparator = true;
      else break;
    }
    valueStart++;
  }
  return { key: unescape(logical.slice(0, keyLen), line), value: unescape(logical.slice(valueStart), line), line };
}

/** Every key/value in order of appearance, duplicates included. Throws PropertiesSyntaxError. */
export function parsePropertiesEntries(text: string): PropertyEntry[] {
  const lines = text.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/);
  const entries: PropertyEntry[] = [];
  let i = 0;
  while (i < lines.length) {
    const start = i + 1;
    let logical = stripLeadingWhitespace(lines[i++] as string);
    if (logical === '' || logical[0] === '#' || logical[0] === '!') continue;
    while (endsWithOddBackslashes(logical)) {
      logical = logical.slice(0, -1);
      if (i >= lines.length) break;
      logical += stripLeadingWhitespace(lines[i++] as string);
    }
    entries.push(splitKeyValue(logical, start));
  }
  return entries;
}

/** Key/values of a server.properties text; a later duplicate key wins, as in Java. */
export function parseServerProperties(text: string): Record<string, string> {
  const result: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const { key, value } of parsePropertiesEntries(text)) result[key] = value;
  return result;
}

/**
 * Read and parse a server.properties file. The file is read as UTF-8 (Kafka reads ISO-8859-1;
 * \uXXXX escapes work in both).
 */
export async function readServerProperties(path: string): Promise<Record<string, string>> {
  return parseServerProperties(await readFile(path, 'utf8'));
}
