import { DEFAULT_MAX_OPEN_FILES } from '@strom/storage';
import { describe, expect, it } from 'vitest';
import { openFilesSoftLimit, segmentFileBudget } from '../src/replica/open-files.js';

/** /proc/self/limits as Linux writes it (columns padded with spaces). */
const limits = (soft: string, hard: string) =>
  [
    'Limit                     Soft Limit           Hard Limit           Units     ',
    'Max cpu time              unlimited            unlimited            seconds   ',
    `Max open files            ${soft.padEnd(21)}${hard.padEnd(21)}files     `,
    'Max locked memory         8388608              8388608              bytes     ',
    '',
  ].join('\n');

describe('the segment files kept open', () => {
  it('follow half the soft open-file limit of the process', () => {
    expect(openFilesSoftLimit(limits('20000', '20000'))).toBe(20_000);
    expect(segmentFileBudget(limits('20000', '20000'))).toBe(10_000);
    expect(segmentFileBudget(limits('1048576', '1048576'))).toBe(524_288);
  });

  it('never go below the storage default, and keep it when the limit is unknown', () => {
    expect(segmentFileBudget(limits('1024', '4096'))).toBe(DEFAULT_MAX_OPEN_FILES);
    expect(segmentFileBudget(limits('unlimited', 'unlimited'))).toBe(DEFAULT_MAX_OPEN_FILES);
    expect(segmentFileBudget('')).toBe(DEFAULT_MAX_OPEN_FILES);
    expect(segmentFileBudget(null)).toBe(DEFAULT_MAX_OPEN_FILES);
  });
});
