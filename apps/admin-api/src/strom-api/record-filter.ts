import type { RecordScanner } from '@strom/protocol';
import { RE2JS } from 're2js';

/** Which parts of a record a filter looks at. */
export type FilterField = 'key' | 'value' | 'headers';

export interface FilterSpec {
  readonly text: string;
  /**
   * `substring`: the UTF-8 bytes of `text` appear as they are; `regex`: an RE2 regular expression
   * (JavaScript's syntax, less backreferences and lookaround) over the field decoded as UTF-8 text.
   */
  readonly mode: 'substring' | 'regex';
  /** Regex only (a substring is matched byte for byte, which is what makes it fast). */
  readonly ignoreCase: boolean;
  readonly fields: ReadonlySet<FilterField>;
}

/** A longest filter accepted, so a request cannot hand the server a huge pattern. */
export const MAX_FILTER_CHARS = 1_000;

/** Whether the record under a scanner matches; made for one batch by {@link RecordFilter.forBatch}. */
export type BatchMatcher = (scanner: RecordScanner) => boolean;

/**
 * A server-side record filter over the positions a RecordScanner gives, so records that do not
 * match are never decoded. A substring filter first finds every place its bytes occur in the
 * batch's records section (keys, values and headers are stored there as they are): a batch
 * without one has no matching record and is skipped whole, and in a batch with some only the
 * records that hold one are looked at field by field. That is what lets a search scan millions
 * of records a second.
 */
export class RecordFilter {
  private readonly needle: Buffer | undefined;
  /**
   * RE2 matches in time linear in the input whatever the pattern: a search runs on the event loop
   * that serves the broker in embedded mode, where a backtracking RegExp such as `(a+)+$` given by
   * any user who may read a topic could stop it for minutes. The price, measured over 10 million
   * records (`npm run bench -- record-search`): a case-insensitive search takes 7.1 s against
   * 1.9-2.6 s with RegExp. Testing a decoded string is faster in re2js than testing the bytes (9.2 s).
   */
  private readonly pattern: RE2JS | undefined;

  constructor(readonly spec: FilterSpec) {
    if (spec.mode === 'substring') this.needle = Buffer.from(spec.text, 'utf8');
    else this.pattern = RE2JS.compile(spec.text, spec.ignoreCase ? RE2JS.CASE_INSENSITIVE : 0);
  }

  /** The matcher for the records in `section` between `start` and `end`, or undefined when none can match. */
  forBatch(section: Buffer, start: number, end: number): BatchMatcher | undefined {
    if (this.needle === undefined)
      return (scanner) => this.anyField(scanner, (from, length) => this.pattern!.test(section.toString('utf8', from, from + length)));
    const needle = this.needle;
    const found: number[] = [];
    for (let at = section.indexOf(needle, start); at !== -1 && at + needle.length <= end; at = section.indexOf(needle, at + 1))
      found.push(at);
    if (found.length === 0) return undefined;
    let next = 0;
    const inside = (from: number, length: number) => {
      for (let i = next; i < found.length && found[i]! < from + length; i++)
        if (found[i]! >= from && found[i]! + needle.length <= from + length) return true;
      return false;
    };
    return (scanner) => {
      while (next < found.length && found[next]! < scanner.keyStart) next++;
      if (next === found.length || found[next]! >= scanner.recordEnd) return false;
      return this.anyField(scanner, inside);
    };
  }

  /** Whether `test` holds for one of the fields the filter looks at (given as start and length; null fields are skipped). */
  private anyField(scanner: RecordScanner, test: (start: number, length: number) => boolean): boolean {
    const { fields } = this.spec;
    if (fields.has('value') && scanner.valueLength >= 0 && test(scanner.valueStart, scanner.valueLength)) return true;
    if (fields.has('key') && scanner.keyLength >= 0 && test(scanner.keyStart, scanner.keyLength)) return true;
    return (
      fields.has('headers') &&
      scanner.someHeader(
        (keyStart, keyLength, valueStart, valueLength) => test(keyStart, keyLength) || (valueLength >= 0 && test(valueStart, valueLength)),
      )
    );
  }
}
