import { describe, expect, it } from 'vitest';
import { RecentBatches } from '../src/replica/recent-batches.js';

describe('the last batches a leader appended', () => {
  it('finds the batch holding an offset among the last ones, and nothing before them or after the last', () => {
    const recent = new RecentBatches(3);
    expect(recent.firstTimestampAt(0)).toBeUndefined();
    recent.add(0, 4, 1_000);
    recent.add(5, 5, 2_000);
    recent.add(6, 9, 3_000);
    expect(recent.firstTimestampAt(0)).toBe(1_000);
    expect(recent.firstTimestampAt(4)).toBe(1_000);
    expect(recent.firstTimestampAt(5)).toBe(2_000);
    expect(recent.firstTimestampAt(7)).toBe(3_000);
    expect(recent.firstTimestampAt(10)).toBeUndefined();
    // The ring wraps: the oldest batch is forgotten.
    recent.add(10, 19, 4_000);
    expect(recent.firstTimestampAt(3)).toBeUndefined();
    expect(recent.firstTimestampAt(5)).toBe(2_000);
    expect(recent.firstTimestampAt(19)).toBe(4_000);
  });

  it('forgets everything when cleared, and starts over on a batch that is not after the last one', () => {
    const recent = new RecentBatches(4);
    recent.add(0, 9, 1_000);
    recent.add(10, 19, 2_000);
    recent.clear();
    expect(recent.firstTimestampAt(15)).toBeUndefined();
    recent.add(20, 29, 3_000);
    recent.add(25, 30, 4_000);
    expect(recent.firstTimestampAt(22)).toBeUndefined();
    expect(recent.firstTimestampAt(27)).toBe(4_000);
    expect(() => recent.add(40, 39, 5_000)).toThrow(/ends before it starts/);
  });
});
