import type { DecodedRecord } from '@strom/protocol';

/** Which parts of a record a filter looks at. */
export type FilterField = 'key' | 'value' | 'headers';

export interface FilterSpec {
  readonly text: string;
  /** `substring`: the UTF-8 bytes of `text` appear as they are; `regex`: a JavaScript regular expression over the UTF-8 text. */
  readonly mode: 'substring' | 'regex';
  /** Regex only (a substring is matched byte for byte, which is what makes it fast). */
  readonly ignoreCase: boolean;
  readonly fields: ReadonlySet<FilterField>;
}

/** A longest regex source accepted, so a request cannot hand the server a huge pattern. */
export const MAX_FILTER_CHARS = 1_000;

/**
 * A server-side record filter. A substring filter first looks for its bytes in the whole batch
 * (`mayMatchBatch`): keys, values and header values are stored as they are in an uncompressed
 * batch (or its decompressed records section), so a batch without the bytes anywhere has no
 * matching record and is skipped without decoding a record. That is what lets a search scan
 * millions of records a second.
 */
export class RecordFilter {
  private readonly needle: Buffer | undefined;
  private readonly pattern: RegExp | undefined;

  constructor(readonly spec: FilterSpec) {
    if (spec.mode === 'substring') this.needle = Buffer.from(spec.text, 'utf8');
    else this.pattern = new RegExp(spec.text, spec.ignoreCase ? 'i' : '');
  }

  /** False when no record of `records` (a batch's records section) can match. */
  mayMatchBatch(records: Buffer): boolean {
    return this.needle === undefined || records.indexOf(this.needle) !== -1;
  }

  matches(record: DecodedRecord): boolean {
    const { fields } = this.spec;
    if (fields.has('value') && this.test(record.value)) return true;
    if (fields.has('key') && this.test(record.key)) return true;
    if (fields.has('headers')) {
      for (const header of record.headers) {
        if (this.testText(header.key) || this.test(header.value)) return true;
      }
    }
    return false;
  }

  private test(bytes: Buffer | null): boolean {
    if (bytes === null) return false;
    if (this.needle !== undefined) return bytes.indexOf(this.needle) !== -1;
    return this.pattern!.test(bytes.toString('utf8'));
  }

  private testText(text: string): boolean {
    if (this.needle !== undefined) return text.includes(this.spec.text);
    return this.pattern!.test(text);
  }
}
