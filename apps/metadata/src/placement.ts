import { randomInt } from 'node:crypto';

/**
 * Replica placement for new partitions: Kafka's KRaft `StripedReplicaPlacer`, ported line for
 * line so that the same random draws give the same assignments as Kafka.
 *
 * Racks are taken round robin, so a partition's replicas land on distinct racks while there
 * are racks left; within a rack brokers are taken round robin too. Each partition starts one
 * rack further on (the "stripes"), and each rack's brokers one broker further on, which spreads
 * leaders evenly. After as many partitions as there are brokers, the rack order and every rack's
 * broker order are shuffled, so a large topic does not repeat one pattern. A broker without a
 * rack is in the rack "no rack" (sorted before every named rack), as Kafka's
 * `Optional.empty()` rack: mixing racked and unracked brokers is allowed, unlike the old
 * ZooKeeper-era AdminUtils.
 *
 * Kafka also places replicas (never leaders) on fenced brokers once the unfenced ones run out;
 * Strom's callers pass only usable brokers (unfenced, not in controlled shutdown), because a
 * fenced broker here is one whose lease ran out and would join the ISR at creation.
 */

export interface PlacementBroker {
  id: number;
  /** broker.rack; null when the broker has none. */
  rack: string | null;
}

/** A source of uniform integers in [0, bound): java.util.Random's `nextInt(bound)` contract. */
export interface PlacementRandom {
  nextInt(bound: number): number;
}

export type Placement = { ok: true; assignments: number[][] } | { ok: false; message: string };

/** Draws from the system's cryptographic generator: a new start for every placement, as Kafka's `new Random()`. */
export const systemRandom: PlacementRandom = { nextInt: (bound) => randomInt(bound) };

/** The message of Kafka's InvalidReplicationFactorException for this request, or undefined when it can be placed. */
export function placementProblem(brokerCount: number, replicationFactor: number): string | undefined {
  if (replicationFactor <= 0) return `Invalid replication factor ${replicationFactor}: the replication factor must be positive.`;
  if (brokerCount === 0) return 'All brokers are currently fenced.';
  if (replicationFactor > brokerCount)
    return `The target replication factor of ${replicationFactor} cannot be reached because only ${brokerCount} broker(s) are registered or some brokers have all their log directories cordoned.`;
  return undefined;
}

/**
 * Replica lists for `numPartitions` partitions, leader first. Fails with Kafka's message when the
 * replication factor is not positive or exceeds the number of brokers.
 */
export function placeReplicas(
  brokers: readonly PlacementBroker[],
  numPartitions: number,
  replicationFactor: number,
  random: PlacementRandom = systemRandom,
): Placement {
  const problem = placementProblem(brokers.length, replicationFactor);
  if (problem !== undefined) return { ok: false, message: problem };
  const racks = new RackList(random, brokers);
  return { ok: true, assignments: Array.from({ length: numPartitions }, () => racks.place(replicationFactor)) };
}

/** Kafka's `BrokerList`: round robin over a rack's brokers, restarting one further on in each new iteration epoch. */
class BrokerList {
  private index = 0;
  private offset = 0;
  private epoch = 0;

  constructor(private readonly brokers: number[]) {}

  initialize(random: PlacementRandom): void {
    if (this.brokers.length === 0) return;
    this.brokers.sort((a, b) => a - b);
    this.offset = random.nextInt(this.brokers.length);
  }

  shuffle(random: PlacementRandom): void {
    shuffle(this.brokers, random);
  }

  /** The next broker in this epoch, or -1 when every broker was returned in it. */
  next(epoch: number): number {
    const size = this.brokers.length;
    if (size === 0) return -1;
    if (this.epoch !== epoch) {
      this.epoch = epoch;
      this.index = 0;
      this.offset = (this.offset + 1) % size;
    }
    if (this.index >= size) return -1;
    const broker = this.brokers[(this.index + this.offset) % size]!;
    this.index++;
    return broker;
  }
}

/** Kafka's `RackList`: the racks in order, the iteration epoch (one per partition) and the rack to start the next partition at. */
class RackList {
  private readonly racks = new Map<string | null, BrokerList>();
  /** The racks in the order Kafka's HashMap visits them for initializing and shuffling: sorted, fixed. */
  private readonly racksInMapOrder: BrokerList[];
  private readonly rackNames: (string | null)[];
  private readonly brokerCount: number;
  private epoch = 0;
  private offset: number;

  constructor(
    private readonly random: PlacementRandom,
    brokers: readonly PlacementBroker[],
  ) {
    const byRack = new Map<string | null, number[]>();
    for (const broker of brokers) byRack.set(broker.rack, [...(byRack.get(broker.rack) ?? []), broker.id]);
    this.rackNames = [...byRack.keys()].sort(compareRacks);
    for (const name of this.rackNames) this.racks.set(name, new BrokerList(byRack.get(name)!));
    this.racksInMapOrder = this.rackNames.map((name) => this.racks.get(name)!);
    for (const rack of this.racksInMapOrder) rack.initialize(random);
    this.brokerCount = brokers.length;
    this.offset = random.nextInt(this.rackNames.length);
  }

  place(replicationFactor: number): number[] {
    // After as many partitions as brokers, shuffle so the next ones do not repeat the same
    // assignments (not with one broker: its epochs would never end).
    if (this.epoch === this.brokerCount && this.brokerCount > 1) {
      this.shuffle();
      this.epoch = 0;
    }
    if (this.offset === this.rackNames.length) this.offset = 0;
    const chosen: number[] = [];
    let firstRackIndex = this.offset;
    for (;;) {
      const leader = this.rack(firstRackIndex).next(this.epoch);
      if (leader >= 0) {
        chosen.push(leader);
        break;
      }
      firstRackIndex = (firstRackIndex + 1) % this.rackNames.length;
    }
    let rackIndex = this.offset;
    for (let replica = 1; replica < replicationFactor; replica++) {
      let broker = -1;
      do {
        // The leader's rack gave its broker already: skip it once.
        if (rackIndex === firstRackIndex) firstRackIndex = -1;
        else broker = this.rack(rackIndex).next(this.epoch);
        rackIndex = (rackIndex + 1) % this.rackNames.length;
      } while (broker < 0);
      chosen.push(broker);
    }
    this.epoch++;
    this.offset++;
    return chosen;
  }

  private rack(index: number): BrokerList {
    return this.racks.get(this.rackNames[index]!)!;
  }

  private shuffle(): void {
    shuffle(this.rackNames, this.random);
    for (const rack of this.racksInMapOrder) rack.shuffle(this.random);
  }
}

/** Kafka's OptionalStringComparator: no rack first, then by name (UTF-16 code units, as String.compareTo). */
function compareRacks(a: string | null, b: string | null): number {
  if (a === null) return b === null ? 0 : -1;
  if (b === null) return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** java.util.Collections.shuffle on a random-access list. */
function shuffle<T>(items: T[], random: PlacementRandom): void {
  for (let i = items.length; i > 1; i--) {
    const j = random.nextInt(i);
    [items[i - 1], items[j]] = [items[j]!, items[i - 1]!];
  }
}
