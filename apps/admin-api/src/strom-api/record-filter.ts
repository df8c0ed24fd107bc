import { RecordScanner } from '@strom/protocol';
import { RE2JS } from 're2js';
import { RegexWorker } from './regex-worker.js';

/** Which parts of a record a filter looks at. */
export type FilterField = 'key' | 'value' | 'headers';

export interface FilterSpec {
  readonly text: string;
  /**
   * `substring`: the UTF-8 bytes of `text` appear as they are; `regex`: a regular expression over
   * the field decoded as UTF-8 text, in the syntax JavaScript (with the `u` flag) and RE2 share:
   * no backreferences or lookaround.
   */
  readonly mode: 'substring' | 'regex';
  /** Regex only (a substring is matched byte for byte, which is what makes it fast). */
  readonly ignoreCase: boolean;
  readonly fields: ReadonlySet<FilterField>;
}

/** A longest filter accepted, so a request cannot hand the server a huge pattern. */
export const MAX_FILTER_CHARS = 1_000;

/** Whether the record under a scanner (the batch's `index`th) matches; made for one batch by {@link RecordFilter.forBatch}. */
export type BatchMatcher = (scanner: RecordScanner, index: number) => boolean;

/** What {@link RecordFilter.forBatch} answers when the search's time ran out before the batch was looked at. */
export const OUT_OF_TIME = 'out-of-time';

/**
 * A server-side record filter over the positions a RecordScanner gives, so records that do not
 * match are never decoded. A substring filter first finds every place its bytes occur in the
 * batch's records section (keys, values and headers are stored there as they are): a batch
 * without one has no matching record and is skipped whole, and in a batch with some only the
 * records that hold one are looked at field by field. That is what lets a search scan millions
 * of records a second. A regex filter is tested on a worker thread, a batch at a time
 * (regex-worker.ts).
 */
export class RecordFilter {
  private readonly needle: Buffer | undefined;
  /** Regex mode: RegExp on a worker thread, bounded by the search's time (regex-worker.ts says why). */
  private readonly regex: RegexWorker | undefined;

  constructor(readonly spec: FilterSpec) {
    if (spec.mode === 'substring') {
      this.needle = Buffer.from(spec.text, 'utf8');
      return;
    }
    // RE2's parser refuses what RE2 lacks (backreferences, lookaround); RegExp's what JavaScript lacks.
    RE2JS.compile(spec.text, spec.ignoreCase ? RE2JS.CASE_INSENSITIVE : 0);
    const flags = spec.ignoreCase ? 'iu' : 'u';
    RegExp(spec.text, flags);
    this.regex = new RegexWorker(spec.text, flags);
  }

  /** Stops the regex worker: the search is over. */
  close(): void {
    this.regex?.close();
  }

  /**
   * The matcher for the `count` records in `section` between `start` and `end`, or undefined when
   * none can match, or OUT_OF_TIME when `deadlineMs` (epoch ms) passed before a regex was through.
   */
  async forBatch(
    section: Buffer,
    start: number,
    end: number,
    count: number,
    deadlineMs: number,
  ): Promise<BatchMatcher | undefined | typeof OUT_OF_TIME> {
    if (this.regex !== undefined) return this.regexBatch(this.regex, section, start, end, count, deadlineMs);
    const needle = this.needle!;
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

  /** Sends the batch's fields to the regex worker; the matcher then reads its answer by record index. */
  private async regexBatch(
    regex: RegexWorker,
    section: Buffer,
    start: number,
    end: number,
    count: number,
    deadlineMs: number,
  ): Promise<BatchMatcher | undefined | typeof OUT_OF_TIME> {
    const spans: number[] = [];
    const scanner = new RecordScanner(section, start, end, count);
    for (let index = 0; scanner.next(); index++) {
      this.anyField(scanner, (from, length) => {
        spans.push(index, from - start, length);
        return false;
      });
    }
    if (spans.length === 0) return undefined;
    const matched = await regex.match(new Uint8Array(section.subarray(start, end)), Int32Array.from(spans), count, deadlineMs);
    if (matched === undefined) return OUT_OF_TIME;
    return matched.includes(1) ? (_scanner, index) => matched[index] === 1 : undefined;
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
