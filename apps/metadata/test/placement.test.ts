import { describe, expect, it } from 'vitest';
import { placeReplicas, type PlacementBroker, type PlacementRandom } from '../src/placement.js';

/**
 * Kafka's test MockRandom (server-common, seed 17 by default) with java.util.Random's
 * nextInt(bound): the same draws Kafka's StripedReplicaPlacerTest sees, so Kafka's expected
 * assignments can be checked here as they are.
 */
function mockRandom(seed = 17n): PlacementRandom {
  let state = BigInt.asUintN(64, seed);
  const next = (bits: number): number => {
    state = BigInt.asUintN(64, state * 2862933555777941757n + 3037000493n);
    return Number(BigInt.asIntN(32, state >> BigInt(64 - bits)));
  };
  return {
    nextInt(bound: number): number {
      let r = next(31);
      const m = bound - 1;
      if ((bound & m) === 0) return Number((BigInt(bound) * BigInt(r)) >> 31n);
      for (let u = r; ((u - (r = u % bound) + m) | 0) < 0; u = next(31));
      return r;
    },
  };
}

const unracked = (...ids: number[]): PlacementBroker[] => ids.map((id) => ({ id, rack: null }));
const racked = (entries: Record<number, string | null>): PlacementBroker[] =>
  Object.entries(entries).map(([id, rack]) => ({ id: Number(id), rack }));

function place(brokers: PlacementBroker[], partitions: number, replicationFactor: number, random: PlacementRandom = mockRandom()) {
  const placement = placeReplicas(brokers, partitions, replicationFactor, random);
  if (!placement.ok) throw new Error(placement.message);
  return placement.assignments;
}

function leaderCounts(assignments: number[][]): Map<number, number> {
  const counts = new Map<number, number>();
  for (const replicas of assignments) counts.set(replicas[0]!, (counts.get(replicas[0]!) ?? 0) + 1);
  return counts;
}

describe('StripedReplicaPlacer, as Kafka', () => {
  it("gives Kafka's own expected assignments (StripedReplicaPlacerTest.testSuccessfulPlacement)", () => {
    expect(place(unracked(0, 3, 2, 1), 5, 3)).toEqual([
      [2, 3, 0],
      [3, 0, 1],
      [0, 1, 2],
      [1, 2, 3],
      [1, 0, 2],
    ]);
  });

  it('spreads pairs as Kafka does over 200 partitions (testEvenDistribution), 50 leaders per broker', () => {
    const assignments = place(unracked(0, 1, 2, 3), 200, 2);
    const pairs = new Map<string, number>();
    for (const replicas of assignments) pairs.set(replicas.join(','), (pairs.get(replicas.join(',')) ?? 0) + 1);
    expect(Object.fromEntries(pairs)).toEqual({
      '0,1': 14,
      '0,2': 22,
      '0,3': 14,
      '1,0': 17,
      '1,2': 17,
      '1,3': 16,
      '2,0': 13,
      '2,1': 17,
      '2,3': 20,
      '3,0': 20,
      '3,1': 19,
      '3,2': 11,
    });
    expect([...leaderCounts(assignments).values()]).toEqual([50, 50, 50, 50]);
  });

  // Expected values printed by Kafka's RackList (StripedReplicaPlacer at apache/kafka 1eb7644) with MockRandom(seed).
  it('matches Kafka on three racks of two brokers, through a shuffle', () => {
    expect(place(racked({ 1: 'a', 2: 'b', 3: 'c', 4: 'a', 5: 'b', 6: 'c' }), 12, 3)).toEqual([
      [5, 3, 4],
      [6, 1, 2],
      [4, 5, 3],
      [2, 6, 1],
      [3, 4, 5],
      [1, 2, 6],
      [5, 1, 6],
      [4, 3, 2],
      [6, 5, 1],
      [2, 4, 3],
      [1, 6, 5],
      [3, 2, 4],
    ]);
  });

  it('matches Kafka when the replication factor exceeds the racks: the racks are taken again', () => {
    expect(place(racked({ 1: 'a', 2: 'b', 3: 'c', 4: 'a', 5: 'b', 6: 'c' }), 4, 4)).toEqual([
      [5, 3, 4, 2],
      [6, 1, 2, 3],
      [4, 5, 3, 1],
      [2, 6, 1, 5],
    ]);
  });

  it('matches Kafka with racked and unracked brokers mixed: no rack is a rack of its own', () => {
    expect(place(racked({ 0: null, 1: 'a', 2: 'a', 3: 'b' }), 8, 2)).toEqual([
      [2, 3],
      [3, 0],
      [0, 1],
      [2, 3],
      [0, 3],
      [3, 2],
      [1, 0],
      [0, 3],
    ]);
  });

  it('matches Kafka on uneven racks: the small rack is in every partition', () => {
    expect(place(racked({ 10: 'x', 11: 'x', 12: 'x', 20: 'y' }), 10, 2, mockRandom(5n))).toEqual([
      [20, 12],
      [10, 20],
      [20, 11],
      [12, 20],
      [10, 20],
      [20, 12],
      [11, 20],
      [20, 10],
      [11, 20],
      [20, 12],
    ]);
  });
});

describe('placement properties', () => {
  const threeRacks = racked({ 1: 'a', 2: 'b', 3: 'c', 4: 'a', 5: 'b', 6: 'c', 7: 'a', 8: 'b', 9: 'c' });
  const rackOf = new Map(threeRacks.map((broker) => [broker.id, broker.rack]));

  it('puts every partition on distinct racks while racks ≥ RF, distinct brokers always, for many seeds', () => {
    for (let seed = 1n; seed <= 50n; seed++) {
      for (const replicationFactor of [1, 2, 3]) {
        for (const replicas of place(threeRacks, 60, replicationFactor, mockRandom(seed))) {
          expect(new Set(replicas).size).toBe(replicationFactor);
          expect(new Set(replicas.map((id) => rackOf.get(id))).size).toBe(replicationFactor);
        }
      }
    }
  });

  it('balances leaders within one without racks, and on equal racks whose size is coprime with their number, for many seeds', () => {
    const sixOnThreeRacks = racked({ 1: 'a', 2: 'b', 3: 'c', 4: 'a', 5: 'b', 6: 'c' });
    const cases: [PlacementBroker[], number, number][] = [
      [unracked(1, 2, 3, 4, 5), 23, 3],
      [unracked(1, 2, 3, 4), 30, 2],
      [sixOnThreeRacks, 6, 3],
      [sixOnThreeRacks, 100, 3],
      [racked({ 1: 'a', 2: 'b', 3: 'c' }), 10, 3],
    ];
    for (let seed = 1n; seed <= 50n; seed++) {
      for (const [brokers, partitions, replicationFactor] of cases) {
        const counts = [...leaderCounts(place(brokers, partitions, replicationFactor, mockRandom(seed))).values()];
        expect(counts.length).toBe(brokers.length);
        expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1);
      }
    }
  });

  it("repeats Kafka's stripes on three racks of three brokers: three leaders per nine partitions (apache/kafka#12529)", () => {
    // Every partition takes one broker of each rack, so each rack's round robin moves by three
    // between two of its leaders: with three brokers per rack, the same one. Kafka does the same.
    const assignments = place(threeRacks, 9, 3);
    expect(assignments).toEqual([
      [5, 6, 4],
      [9, 7, 8],
      [1, 2, 3],
      [5, 6, 4],
      [9, 7, 8],
      [1, 2, 3],
      [5, 6, 4],
      [9, 7, 8],
      [1, 2, 3],
    ]);
    expect(leaderCounts(assignments).size).toBe(3);
  });

  it('is deterministic for a given random source and broker order', () => {
    expect(place(threeRacks, 40, 3, mockRandom(9n))).toEqual(place([...threeRacks].reverse(), 40, 3, mockRandom(9n)));
  });

  it('places on one broker again and again (its iteration never ends)', () => {
    expect(place(unracked(7), 3, 1)).toEqual([[7], [7], [7]]);
  });

  it("refuses what Kafka refuses, with Kafka's messages", () => {
    expect(placeReplicas(unracked(1, 2), 1, 3, mockRandom())).toEqual({
      ok: false,
      message:
        'The target replication factor of 3 cannot be reached because only 2 broker(s) are registered or some brokers have all their log directories cordoned.',
    });
    expect(placeReplicas(unracked(1, 2), 1, 0, mockRandom())).toEqual({
      ok: false,
      message: 'Invalid replication factor 0: the replication factor must be positive.',
    });
    expect(placeReplicas([], 1, 1, mockRandom())).toEqual({ ok: false, message: 'All brokers are currently fenced.' });
  });
});
