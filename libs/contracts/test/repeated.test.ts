import { describe, expect, it } from 'vitest';
import { splitRepeated } from '../src/index.js';

describe('splitRepeated', () => {
  it('keeps the entries whose key appears once, in order, and names each repeated key once, in order of first appearance', () => {
    const entries = [
      { name: 'b', n: 1 },
      { name: 'a', n: 2 },
      { name: 'c', n: 3 },
      { name: 'b', n: 4 },
      { name: 'a', n: 5 },
      { name: 'b', n: 6 },
    ];
    const split = splitRepeated(entries, (entry) => entry.name);
    expect(split.unique).toEqual([{ name: 'c', n: 3 }]);
    expect(split.repeated).toEqual(['b', 'a']);
    expect([split.isRepeated('a'), split.isRepeated('c'), split.isRepeated('z')]).toEqual([true, false, false]);
  });

  it('never counts a null key: entries without one stay unique', () => {
    const entries = [
      { id: null, name: 'x' },
      { id: null, name: 'y' },
      { id: 'u1', name: 'z' },
    ];
    const split = splitRepeated(entries, (entry) => entry.id);
    expect(split.unique).toEqual(entries);
    expect(split.repeated).toEqual([]);
    expect(split.isRepeated(null)).toBe(false);
  });

  it('splits an empty request into nothing', () => {
    expect(splitRepeated([], (entry: string) => entry)).toMatchObject({ unique: [], repeated: [] });
  });
});
