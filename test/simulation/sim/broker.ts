import { ErrorCode } from '@strom/errors';
import {
  checkFetchPosition,
  followerHighWatermark,
  PartitionLeader,
  truncationPoint,
  type AlterPartitionProposal,
  type BrokerRegistration,
  type EpochEndOffset,
  type LeaderConfig,
  type PartitionRegistration,
} from '@strom/replication';
import { LeaderEpochCache } from '@strom/storage';
import type { Rng } from '../../crash/harness/rng.js';
import type { MetadataSnapshot, SimController } from './controller.js';
import type { Network, Scheduler } from './world.js';

export interface SimRecord {
  readonly id: string;
  readonly epoch: number;
}

export interface BrokerSettings {
  readonly leader: LeaderConfig;
  readonly heartbeatIntervalMs: number;
  readonly fetchMaxRecords: number;
  /** A follower waits this long for a fetch answer before asking again. */
  readonly fetchTimeoutMs: number;
  readonly fetchBackoffMs: number;
  /** How long a caught-up follower waits before fetching again (a long poll, simplified). */
  readonly fetchIdleMs: number;
  /** Local append latency: [min, max], and how often it spikes to spikeMs. */
  readonly diskMinMs: number;
  readonly diskMaxMs: number;
  readonly diskSpikeRate: number;
  readonly diskSpikeMs: number;
  /** This broker's clock runs at (1 + driftRate) and starts offset by skewMs. */
  readonly clockDriftRate: number;
  readonly clockSkewMs: number;
}

export interface ProduceAnswer {
  readonly errorCode: ErrorCode;
  readonly offset: number;
  readonly leaderEpoch: number;
}

interface PendingProduce {
  readonly requiredOffset: number;
  readonly offset: number;
  readonly leaderEpoch: number;
  readonly deadlineMs: number;
  readonly answer: (answer: ProduceAnswer) => void;
}

/** What the broker tells the invariant checker. */
export interface BrokerObserver {
  acknowledged(broker: SimBroker, offset: number, record: SimRecord): void;
  highWatermarkAdvanced(broker: SimBroker, leader: PartitionLeader): void;
}

/**
 * One broker process with one replica of the partition: its log (an array: offset = index),
 * leader epoch history and high watermark; the leader state of @strom/replication while it leads,
 * a fetch loop while it follows. A crash loses nothing written (kill -9 keeps the page cache) but
 * the high watermark restarts from its last checkpoint.
 */
export class SimBroker {
  log: SimRecord[] = [];
  epochs = new LeaderEpochCache();
  highWatermark = 0;
  private checkpointedHighWatermark = 0;
  alive = true;
  brokerEpoch = 1;
  /** Bumped at every restart: timers and answers of an earlier life are ignored. */
  private incarnation = 0;
  metadata: MetadataSnapshot | undefined;
  leader: PartitionLeader | undefined;
  private pending: PendingProduce[] = [];
  private fetchSeq = 0;
  private alterInFlight: AlterPartitionProposal | undefined;
  /** The latest append still being written: later appends wait for it (one writer, in order). */
  private diskBusyUntilMs = 0;

  constructor(
    readonly id: number,
    private readonly settings: BrokerSettings,
    private readonly scheduler: Scheduler,
    private readonly network: Network,
    private readonly rng: Rng,
    private readonly controller: SimController,
    private readonly peers: (id: number) => SimBroker | undefined,
    private readonly observer: BrokerObserver,
  ) {}

  get logEndOffset(): number {
    return this.log.length;
  }

  /** This broker's clock. */
  get nowMs(): number {
    return Math.floor(this.scheduler.nowMs * (1 + this.settings.clockDriftRate)) + this.settings.clockSkewMs;
  }

  start(): void {
    const life = this.incarnation;
    const beat = (): void => {
      if (!this.alive || life !== this.incarnation) return;
      const epoch = this.brokerEpoch;
      this.network.send(this.id, 'controller', () => this.controller.heartbeat(this.id, epoch));
      this.scheduler.after(this.settings.heartbeatIntervalMs, beat);
    };
    beat();
    const tick = (): void => {
      if (!this.alive || life !== this.incarnation) return;
      this.maintain();
      this.scheduler.after(Math.max(5, Math.floor(this.settings.leader.replicaLagTimeMaxMs / 4)), tick);
    };
    tick();
    this.fetchLoop(life);
  }

  crash(): void {
    this.alive = false;
    this.incarnation++;
    this.leader = undefined;
    this.metadata = undefined;
    this.alterInFlight = undefined;
    this.pending = [];
  }

  restart(): void {
    this.alive = true;
    this.highWatermark = Math.min(this.checkpointedHighWatermark, this.logEndOffset);
    this.diskBusyUntilMs = this.scheduler.nowMs;
    this.brokerEpoch = this.controller.register(this.id);
    this.start();
  }

  /** The replication offset checkpoint, written now and then (and lost as of the last write on a crash). */
  checkpoint(): void {
    this.checkpointedHighWatermark = this.highWatermark;
  }

  onMetadata(snapshot: MetadataSnapshot): void {
    if (!this.alive || (this.metadata && snapshot.version <= this.metadata.version)) return;
    const previous = this.metadata?.partition;
    this.metadata = snapshot;
    const partition = snapshot.partition;
    if (previous && partition.partitionEpoch <= previous.partitionEpoch) return;
    if (partition.leader === this.id) this.becomeLeader(partition);
    else if (this.leader) this.resign();
  }

  /** A produce of one record with acks=all. */
  produce(record: string, timeoutMs: number, answer: (answer: ProduceAnswer) => void): void {
    const leader = this.leader;
    const fail = (errorCode: ErrorCode): void => answer({ errorCode, offset: -1, leaderEpoch: -1 });
    if (!this.alive) return;
    if (!leader) return fail(ErrorCode.NOT_LEADER_OR_FOLLOWER);
    const refused = leader.checkAppend(-1);
    if (refused !== ErrorCode.NONE) return fail(refused);
    const offset = this.log.length;
    const leaderEpoch = leader.leaderEpoch;
    this.log.push({ id: record, epoch: leaderEpoch });
    this.epochs.assign(leaderEpoch, offset);
    this.pending.push({ requiredOffset: offset + 1, offset, leaderEpoch, deadlineMs: this.scheduler.nowMs + timeoutMs, answer });
    const life = this.incarnation;
    this.afterDiskWrite(() => {
      if (life !== this.incarnation || this.leader !== leader) return;
      // The leader's own log end only counts once written (its LEO for the high watermark).
      if (leader.onLocalAppend(this.writtenEnd, this.nowMs).highWatermarkChanged) this.onHighWatermark(leader);
    });
  }

  /** The log end as far as the disk has written it (what the leader counts for itself). */
  private writtenEndValue = 0;
  get writtenEnd(): number {
    return Math.min(this.writtenEndValue, this.log.length);
  }

  private afterDiskWrite(done: () => void): void {
    const latencyMs = this.rng.chance(this.settings.diskSpikeRate)
      ? this.settings.diskSpikeMs
      : this.rng.int(this.settings.diskMinMs, this.settings.diskMaxMs);
    this.diskBusyUntilMs = Math.max(this.diskBusyUntilMs, this.scheduler.nowMs) + latencyMs;
    const end = this.log.length;
    this.scheduler.at(this.diskBusyUntilMs, () => {
      this.writtenEndValue = Math.max(this.writtenEndValue, end);
      done();
    });
  }

  /** A follower's fetch arrives at this broker. */
  handleFetch(request: FetchRequest): FetchResponse {
    const leader = this.leader;
    if (!leader) return { errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER };
    if (request.currentLeaderEpoch < leader.leaderEpoch) return { errorCode: ErrorCode.FENCED_LEADER_EPOCH };
    if (request.currentLeaderEpoch > leader.leaderEpoch) return { errorCode: ErrorCode.UNKNOWN_LEADER_EPOCH };
    const end = this.writtenEnd;
    const position = checkFetchPosition(this.epochs, 0, end, request.fetchOffset, request.lastFetchedEpoch);
    if (position.kind === 'diverging') return { errorCode: ErrorCode.NONE, divergingEpoch: position.divergingEpoch };
    if (position.kind === 'offset-out-of-range') return { errorCode: ErrorCode.OFFSET_OUT_OF_RANGE };
    const outcome = leader.onFollowerFetch(
      { brokerId: request.brokerId, brokerEpoch: request.brokerEpoch, fetchOffset: request.fetchOffset, logStartOffset: 0 },
      end,
      this.nowMs,
    );
    if (outcome.errorCode !== ErrorCode.NONE) return { errorCode: outcome.errorCode };
    if (outcome.proposal) this.sendAlterPartition(outcome.proposal);
    if (outcome.highWatermarkChanged) this.onHighWatermark(leader);
    return {
      errorCode: ErrorCode.NONE,
      records: this.log.slice(request.fetchOffset, Math.min(end, request.fetchOffset + this.settings.fetchMaxRecords)),
      highWatermark: leader.highWatermark,
    };
  }

  private becomeLeader(partition: PartitionRegistration): void {
    // Kafka's makeLeader: a new leader epoch starts at the log end (appends still being written
    // count as written from here on); what is beyond the high watermark stays.
    const end = this.log.length;
    this.writtenEndValue = Math.max(this.writtenEndValue, end);
    if (this.leader) {
      if (partition.leaderEpoch > this.leader.leaderEpoch) this.epochs.assign(partition.leaderEpoch, end);
      if (this.leader.update(partition, end, this.nowMs).highWatermarkChanged) this.onHighWatermark(this.leader);
      return;
    }
    this.epochs.assign(partition.leaderEpoch, end);
    this.pending = [];
    this.alterInFlight = undefined;
    this.leader = new PartitionLeader(this.id, partition, end, Math.min(this.highWatermark, end), this.nowMs, this.settings.leader, {
      isIsrEligible: (id, epoch) => {
        const broker = this.metadata?.brokers.get(id);
        return (
          !!broker &&
          !broker.fenced &&
          !broker.inControlledShutdown &&
          (epoch === undefined || epoch === -1 || epoch === broker.brokerEpoch)
        );
      },
      aliveBrokerEpoch: (id) => {
        const broker: BrokerRegistration | undefined = this.metadata?.brokers.get(id);
        return broker && !broker.fenced ? broker.brokerEpoch : undefined;
      },
    });
    if (this.leader.onLocalAppend(end, this.nowMs).highWatermarkChanged) this.onHighWatermark(this.leader);
  }

  private resign(): void {
    this.leader = undefined;
    this.alterInFlight = undefined;
    for (const produce of this.pending.splice(0))
      produce.answer({ errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER, offset: -1, leaderEpoch: -1 });
  }

  private onHighWatermark(leader: PartitionLeader): void {
    this.highWatermark = leader.highWatermark;
    this.observer.highWatermarkAdvanced(this, leader);
    this.completeProduces(leader);
  }

  private completeProduces(leader: PartitionLeader): void {
    const still: PendingProduce[] = [];
    for (const produce of this.pending) {
      const check = leader.checkEnoughReplicasReachOffset(produce.requiredOffset);
      if (!check.done) {
        still.push(produce);
        continue;
      }
      if (check.errorCode === ErrorCode.NONE) this.observer.acknowledged(this, produce.offset, this.log[produce.offset]!);
      produce.answer({ errorCode: check.errorCode, offset: produce.offset, leaderEpoch: produce.leaderEpoch });
    }
    this.pending = still;
  }

  private maintain(): void {
    this.checkpointMaybe();
    const now = this.scheduler.nowMs;
    const expired = this.pending.filter((produce) => produce.deadlineMs <= now);
    if (expired.length > 0) {
      this.pending = this.pending.filter((produce) => produce.deadlineMs > now);
      for (const produce of expired) produce.answer({ errorCode: ErrorCode.REQUEST_TIMED_OUT, offset: -1, leaderEpoch: -1 });
    }
    const leader = this.leader;
    if (!leader || this.alterInFlight) return;
    const proposal = leader.maybeShrinkIsr(this.writtenEnd, this.nowMs);
    if (proposal) this.sendAlterPartition(proposal);
  }

  private checkpointMaybe(): void {
    if (this.rng.chance(0.2)) this.checkpoint();
  }

  private sendAlterPartition(proposal: AlterPartitionProposal): void {
    this.alterInFlight = proposal;
    const life = this.incarnation;
    const request = { brokerId: this.id, brokerEpoch: this.brokerEpoch };
    let answered = false;
    const retryLater = (): void => {
      this.scheduler.after(200, () => {
        if (answered || life !== this.incarnation || this.alterInFlight !== proposal) return;
        this.sendAlterPartition(proposal);
      });
    };
    this.network.send(this.id, 'controller', () => {
      const result = this.controller.alterPartition(request, proposal);
      this.network.send('controller', this.id, () => {
        if (life !== this.incarnation || !this.alive || answered) return;
        answered = true;
        const leader = this.leader;
        if (!leader || this.alterInFlight !== proposal) return;
        const outcome = leader.onAlterPartitionAnswer(proposal, result, this.writtenEnd, this.nowMs);
        if (leader.state.kind === 'committed') this.alterInFlight = undefined;
        if (outcome.highWatermarkChanged) this.onHighWatermark(leader);
        if (outcome.retry) {
          answered = false;
          retryLater();
        } else if (leader.state.kind !== 'committed') {
          // Waiting for newer metadata; ask again later so a lost answer does not block the ISR forever.
          this.alterInFlight = undefined;
        }
      });
    });
    retryLater();
  }

  /** The follower side: fetch from the leader the metadata names, apply what comes back. */
  private fetchLoop(life: number): void {
    if (!this.alive || life !== this.incarnation) return;
    const partition = this.metadata?.partition;
    const leaderId = partition?.leader;
    if (!partition || leaderId === undefined || leaderId === this.id || leaderId < 0 || !partition.replicas.includes(this.id)) {
      this.scheduler.after(this.settings.fetchBackoffMs, () => this.fetchLoop(life));
      return;
    }
    const seq = ++this.fetchSeq;
    const request: FetchRequest = {
      brokerId: this.id,
      brokerEpoch: this.brokerEpoch,
      currentLeaderEpoch: partition.leaderEpoch,
      fetchOffset: this.log.length,
      lastFetchedEpoch: this.epochs.latest()?.epoch ?? -1,
    };
    let settled = false;
    const next = (delayMs: number): void => {
      if (settled) return;
      settled = true;
      this.scheduler.after(delayMs, () => this.fetchLoop(life));
    };
    this.network.send(this.id, leaderId, () => {
      const leaderBroker = this.peers(leaderId);
      if (!leaderBroker?.alive) return;
      const response = leaderBroker.handleFetch(request);
      this.network.send(leaderId, this.id, () => {
        if (!this.alive || life !== this.incarnation || seq !== this.fetchSeq || settled) return;
        if (this.metadata?.partition.leaderEpoch !== request.currentLeaderEpoch) return next(0);
        this.onFetchResponse(request, response);
        // An empty answer: Kafka's leader would have held the fetch (replica.fetch.wait.max.ms) until data came.
        const gotRecords = (response.records?.length ?? 0) > 0 || response.divergingEpoch !== undefined;
        next(response.errorCode !== ErrorCode.NONE ? this.settings.fetchBackoffMs : gotRecords ? 1 : this.settings.fetchIdleMs);
      });
    });
    this.scheduler.after(this.settings.fetchTimeoutMs, () => {
      if (seq === this.fetchSeq) next(0);
    });
  }

  private onFetchResponse(request: FetchRequest, response: FetchResponse): void {
    if (response.errorCode !== ErrorCode.NONE || this.leader) return;
    if (this.log.length !== request.fetchOffset) return;
    if (response.divergingEpoch) {
      const point = truncationPoint(this.epochs, this.log.length, this.highWatermark, response.divergingEpoch);
      this.truncateTo(point.offset);
      return;
    }
    for (const record of response.records ?? []) {
      this.epochs.assign(record.epoch, this.log.length);
      this.log.push(record);
    }
    this.writtenEndValue = this.log.length;
    this.highWatermark = Math.max(
      Math.min(this.highWatermark, this.log.length),
      followerHighWatermark(response.highWatermark ?? 0, this.log.length),
    );
  }

  private truncateTo(offset: number): void {
    if (offset >= this.log.length) {
      // Kafka's UnifiedLog.truncateTo: the epoch cache is cut even then, since a broker that became
      // leader and appended nothing has an epoch entry at its log end that the leader's log lacks
      // (else the follower asks with that epoch forever).
      this.epochs.truncateFromEnd(this.log.length);
      return;
    }
    this.log.length = offset;
    this.epochs.truncateFromEnd(offset);
    this.writtenEndValue = Math.min(this.writtenEndValue, offset);
    this.highWatermark = Math.min(this.highWatermark, offset);
  }
}

export interface FetchRequest {
  readonly brokerId: number;
  readonly brokerEpoch: number;
  readonly currentLeaderEpoch: number;
  readonly fetchOffset: number;
  readonly lastFetchedEpoch: number;
}

export interface FetchResponse {
  readonly errorCode: ErrorCode;
  readonly divergingEpoch?: EpochEndOffset;
  readonly records?: readonly SimRecord[];
  readonly highWatermark?: number;
}
