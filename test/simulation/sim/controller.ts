import {
  alterPartition,
  changePartition,
  type AlterPartitionProposal,
  type AlterPartitionResult,
  type BrokerRegistration,
  type PartitionRegistration,
} from '@strom/replication';
import type { Network, Scheduler } from './world.js';

/** What the metadata service publishes: the whole state, so a broker that missed one catches up with the next. */
export interface MetadataSnapshot {
  readonly version: number;
  readonly partition: PartitionRegistration;
  readonly brokers: ReadonlyMap<number, BrokerRegistration>;
}

export interface ControllerSettings {
  /** broker.session.timeout.ms */
  readonly sessionTimeoutMs: number;
  readonly uncleanLeaderElection: boolean;
  /** How often the whole state is published again (the catch-up path). */
  readonly republishIntervalMs: number;
}

interface BrokerEntry {
  registration: BrokerRegistration;
  lastHeartbeatMs: number;
}

/**
 * The metadata service as the simulation needs it: broker registrations with leases, one
 * partition's registration changed only through the pure functions of @strom/replication (the
 * same compare-and-set a Postgres transaction runs), and every change published to every node.
 * It never fails itself: Postgres is the source of truth and outlives the processes.
 */
export class SimController {
  private readonly brokers = new Map<number, BrokerEntry>();
  private version = 0;
  /** Every registration the partition ever had, in order (for the invariants). */
  readonly history: PartitionRegistration[] = [];

  constructor(
    private partitionValue: PartitionRegistration,
    private readonly settings: ControllerSettings,
    private readonly scheduler: Scheduler,
    private readonly network: Network,
    private readonly subscribers: () => readonly (number | 'client')[],
    private readonly deliver: (to: number | 'client', snapshot: MetadataSnapshot) => void,
  ) {
    this.history.push(partitionValue);
  }

  get partition(): PartitionRegistration {
    return this.partitionValue;
  }

  broker(id: number): BrokerRegistration | undefined {
    return this.brokers.get(id)?.registration;
  }

  start(brokerIds: readonly number[]): void {
    for (const id of brokerIds) {
      this.brokers.set(id, {
        registration: { brokerId: id, brokerEpoch: 1, fenced: false, inControlledShutdown: false },
        lastHeartbeatMs: this.scheduler.nowMs,
      });
    }
    const tick = (): void => {
      this.expireLeases();
      this.scheduler.after(Math.max(10, Math.floor(this.settings.sessionTimeoutMs / 10)), tick);
    };
    tick();
    const republish = (): void => {
      this.publish();
      this.scheduler.after(this.settings.republishIntervalMs, republish);
    };
    republish();
  }

  /** A (re)started broker registers: a new broker epoch, fenced until its first heartbeat. */
  register(brokerId: number): number {
    const previous = this.brokers.get(brokerId)?.registration;
    const brokerEpoch = Math.max(previous?.brokerEpoch ?? 0, this.version) + 1;
    this.brokers.set(brokerId, {
      registration: { brokerId, brokerEpoch, fenced: true, inControlledShutdown: false },
      lastHeartbeatMs: this.scheduler.nowMs,
    });
    if (previous && !previous.fenced) this.apply(changePartition(this.partitionValue, this.lookup, this.electionOptions(brokerId)));
    this.publish();
    return brokerEpoch;
  }

  heartbeat(brokerId: number, brokerEpoch: number): void {
    const entry = this.brokers.get(brokerId);
    if (!entry || entry.registration.brokerEpoch !== brokerEpoch) return;
    entry.lastHeartbeatMs = this.scheduler.nowMs;
    if (entry.registration.fenced) {
      entry.registration = { ...entry.registration, fenced: false };
      // Unfenced: it may lead a leaderless partition again.
      this.apply(changePartition(this.partitionValue, this.lookup, { uncleanLeaderElection: this.settings.uncleanLeaderElection }));
      this.publish();
    }
  }

  alterPartition(request: { brokerId: number; brokerEpoch: number }, proposal: AlterPartitionProposal): AlterPartitionResult {
    const result = alterPartition(this.partitionValue, request, proposal, this.lookup);
    if ('registration' in result && result.registration !== this.partitionValue) {
      this.apply(result.registration);
      this.publish();
    }
    return result;
  }

  private expireLeases(): void {
    for (const [id, entry] of this.brokers) {
      if (entry.registration.fenced || this.scheduler.nowMs - entry.lastHeartbeatMs <= this.settings.sessionTimeoutMs) continue;
      entry.registration = { ...entry.registration, fenced: true };
      this.apply(changePartition(this.partitionValue, this.lookup, this.electionOptions(id)));
      this.publish();
    }
  }

  private electionOptions(brokerToRemove: number): { uncleanLeaderElection: boolean; brokerToRemove: number } {
    return { uncleanLeaderElection: this.settings.uncleanLeaderElection, brokerToRemove };
  }

  private readonly lookup = (id: number): BrokerRegistration | undefined => this.brokers.get(id)?.registration;

  private apply(next: PartitionRegistration): void {
    if (next === this.partitionValue) return;
    if (next.partitionEpoch <= this.partitionValue.partitionEpoch || next.leaderEpoch < this.partitionValue.leaderEpoch) {
      throw new Error(`partition epochs went back: ${JSON.stringify(this.partitionValue)} → ${JSON.stringify(next)}`);
    }
    this.partitionValue = next;
    this.history.push(next);
  }

  private publish(): void {
    this.version++;
    const snapshot: MetadataSnapshot = {
      version: this.version,
      partition: this.partitionValue,
      brokers: new Map([...this.brokers].map(([id, entry]) => [id, entry.registration])),
    };
    for (const to of this.subscribers()) this.network.send('controller', to, () => this.deliver(to, snapshot));
  }
}
