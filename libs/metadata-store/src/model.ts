// What the services read and write in the metadata store: the data and the repositories, as
// interfaces that both stores implement (Prisma over Postgres or PGlite, and the journal store of
// embedded mode). Nothing here imports either store, so a type import costs nothing at run time.
import type { ErrorCode } from '@strom/errors';

/** One advertised listener of a broker: clients on listener `name` reach it at host:port. */
export interface BrokerEndpoint {
  name: string;
  host: string;
  port: number;
  securityProtocol: string;
}

export interface BrokerRegistration {
  id: number;
  /** Every advertised listener; replaces the endpoints of the previous registration. */
  endpoints: readonly BrokerEndpoint[];
  rack?: string | null;
  leaseMs: number;
}

export interface RegisteredBroker {
  id: number;
  epoch: bigint;
  /** By listener name. */
  endpoints: BrokerEndpoint[];
  rack: string | null;
  fenced: boolean;
  /** Moving its leaderships away before it stops (controlled shutdown). */
  inControlledShutdown: boolean;
  leaseExpiresAt: Date;
}

/** Dynamic broker configs: the cluster-wide defaults and each broker's own. */
export interface DynamicBrokerConfigs {
  /** Set on the default broker resource (DYNAMIC_DEFAULT_BROKER_CONFIG). */
  cluster: Record<string, string>;
  /** Per broker id (DYNAMIC_BROKER_CONFIG). */
  brokers: Record<number, Record<string, string>>;
}

/** Dynamic group configs (GROUP config resources, KIP-848): by group id, then config name. */
export type DynamicGroupConfigs = Record<string, Record<string, string>>;

export interface PartitionState {
  partitionIndex: number;
  replicas: number[];
  isr: number[];
  leaderId: number;
  leaderEpoch: number;
  partitionEpoch: number;
  /** RECOVERING after an unclean election until the leader's first ISR change (Kafka's LeaderRecoveryState). */
  leaderRecoveryState: 'RECOVERED' | 'RECOVERING';
}

export interface TopicState {
  id: string;
  name: string;
  internal: boolean;
  partitions: PartitionState[];
  configs: Record<string, string>;
}

export interface NewTopic {
  name: string;
  /** The Kafka topic id; a random UUID when absent. */
  id?: string;
  internal?: boolean;
  /** Replica list per partition, in partition order; the first replica leads. */
  assignments: number[][];
  configs?: Record<string, string>;
}

export interface LeadershipChange {
  leaderId: number;
  isr: number[];
}

/** A partition leader's ISR change (Kafka's AlterPartition, one partition). */
export interface AlterPartitionInput {
  brokerId: number;
  brokerEpoch: bigint;
  topicId: string;
  partitionIndex: number;
  leaderEpoch: number;
  partitionEpoch: number;
  /** Each member with the broker epoch the leader saw in its fetches (-1n: unknown). */
  newIsr: { brokerId: number; brokerEpoch: bigint }[];
  leaderRecoveryState: 'RECOVERED' | 'RECOVERING';
}

export interface AlterPartitionOutcome {
  errorCode: ErrorCode;
  /** The partition after the request (changed or not); undefined with an error. */
  partition: PartitionState | undefined;
  /** Whether the request changed the partition (and bumped the metadata version). */
  changed: boolean;
}

/** A partition after an election or ISR change, as failover records and replies report it. */
export interface PartitionChange {
  topicId: string;
  topic: string;
  partitionIndex: number;
  leaderId: number;
  leaderEpoch: number;
  isr: number[];
}

/** What elections need beyond the store: the static cluster default of unclean election. */
export interface ElectionDefaults {
  /** unclean.leader.election.enable of the static configuration (Kafka's default: false). */
  uncleanLeaderElection: boolean;
}

/** Why a broker epoch was fenced. */
export type FailoverReason = 'lease-expired' | 'restarted';

/** A fenced broker epoch and what its fencing changed (one row of `broker_failover`). */
export interface BrokerFailoverRecord {
  brokerId: number;
  brokerEpoch: bigint;
  reason: FailoverReason;
  leaseExpiredAt: Date;
  fencedAt: Date;
  /** The metadata version of the fence and its elections. */
  version: bigint;
  partitions: PartitionChange[];
  /** Who ran the fence: `workflow` (the BrokerFailover workflow's activity) or `metadata-service`. */
  fencedBy: string;
  completedAt: Date | null;
  confirmedLeaders: number[];
  workflowId: string | null;
}

export type FenceOutcome =
  /** Fenced now: the record of what changed. */
  | { status: 'fenced'; failover: BrokerFailoverRecord }
  /** Fenced earlier (a duplicate or a retry): the record written then. */
  | { status: 'already-fenced'; failover: BrokerFailoverRecord }
  /** The broker registered again with a newer epoch; this one was fenced then, or it is unknown. */
  | { status: 'superseded' }
  /** The broker renewed its lease after all (a late heartbeat won the race): nothing was fenced. */
  | { status: 'alive' }
  /** The broker had left by controlled shutdown: fenced, with nothing to fail over and no record. */
  | { status: 'shut-down' };

export interface ControlledShutdownOutcome {
  /** False when the broker epoch is not the registered one (STALE_BROKER_EPOCH). */
  accepted: boolean;
  partitions: PartitionChange[];
  version: bigint;
}

export interface RegistrationOutcome {
  broker: RegisteredBroker;
  /** The previous epoch's fencing, when it was still unfenced (a restart before its lease ran out). */
  fencedPrevious: BrokerFailoverRecord | undefined;
  /** Leaderless partitions that elected a leader once this broker was back. */
  elected: PartitionChange[];
}

/** A consumer group's persisted state; `members` is opaque JSON owned by the coordinator. */
export interface StoredGroup {
  groupId: string;
  protocolType: string;
  protocolName: string | null;
  state: string;
  generationId: number;
  leaderId: string | null;
  stateTimestampMs?: bigint | null;
  members?: unknown[];
}

export interface OffsetCommit {
  topic: string;
  partitionIndex: number;
  offset: bigint;
  leaderEpoch?: number;
  metadata?: string | null;
  /** When the coordinator accepted the commit (retention counts from it); now if absent. */
  commitTimestamp?: Date;
  expireTimestamp?: Date | null;
}

export interface CommittedOffsetRow extends Required<Omit<OffsetCommit, 'expireTimestamp' | 'commitTimestamp'>> {
  commitTimestamp: Date;
  expireTimestamp: Date | null;
}

export interface ProducerIdBlock {
  firstProducerId: bigint;
  size: number;
}

export type ScramMechanism = 'SCRAM_SHA_256' | 'SCRAM_SHA_512';

export interface ScramCredentialRecord {
  user: string;
  mechanism: ScramMechanism;
  salt: Uint8Array;
  storedKey: Uint8Array;
  serverKey: Uint8Array;
  iterations: number;
}

export interface AclBinding {
  resourceType: number;
  resourceName: string;
  patternType: number;
  principal: string;
  host: string;
  operation: number;
  permissionType: number;
}

/** Brokers, their epochs and leases. */
export interface BrokerRepository {
  /**
   * Registers (or re-registers) a broker and returns its new epoch: one more than any epoch
   * it had before, so requests from an older incarnation can be fenced.
   */
  register(registration: BrokerRegistration): Promise<RegisteredBroker>;
  /**
   * Extends the lease if `epoch` is still the broker's current one; false when fenced. With
   * `appliedVersion`, records the metadata version the broker has applied (failover waits for
   * new leaders to confirm by it).
   */
  renewLease(id: number, epoch: bigint, leaseMs: number, appliedVersion?: bigint): Promise<boolean>;
  /** Fences the broker's given epoch (failover); false if it already moved on or is fenced. */
  fence(id: number, epoch: bigint): Promise<boolean>;
  /** Brokers whose lease has run out and are not fenced yet, by id. */
  expired(now?: Date): Promise<RegisteredBroker[]>;
  /** When the first lease of an unfenced broker still running after `now` runs out (null: none), so a check can be timed for it. */
  nextLeaseExpiry(now?: Date): Promise<Date | null>;
  /** Every broker, by id. */
  list(): Promise<RegisteredBroker[]>;
}

/** Dynamic broker configs (AlterConfigs on BROKER resources), stored as Kafka stores them: by name. */
export interface BrokerConfigRepository {
  list(): Promise<DynamicBrokerConfigs>;
  /**
   * Sets (value) or removes (null) configs in one change: of one broker, or cluster-wide when
   * `brokerId` is null. `replace`: every config of that resource not named in `changes` goes too
   * (AlterConfigs semantics). UNKNOWN_BROKER for a broker never registered.
   */
  alter(brokerId: number | null, changes: Record<string, string | null>, replace: boolean): Promise<void>;
}

/** Group configs (IncrementalAlterConfigs on GROUP resources); a group need not exist to have them. */
export interface GroupConfigRepository {
  list(): Promise<DynamicGroupConfigs>;
  /**
   * Sets (value) or removes (null) configs of one group in one change. `replace`: every config of
   * the group not named in `changes` goes too (AlterConfigs semantics).
   */
  alter(groupId: string, changes: Record<string, string | null>, replace: boolean): Promise<void>;
}

/** Topics, partitions, assignments, leaders, epochs, ISR and topic configs. */
export interface TopicRepository {
  /** TOPIC_ALREADY_EXISTS when the name (or the id) is taken. */
  create(topic: NewTopic): Promise<TopicState>;
  byName(name: string): Promise<TopicState | undefined>;
  byId(id: string): Promise<TopicState | undefined>;
  /** Every topic, by name. */
  list(): Promise<TopicState[]>;
  /**
   * Deletes a topic (and its partitions and configs) and every group's committed offsets for it,
   * as Kafka's coordinator drops the offsets of deleted partitions; false when there was none.
   */
  delete(name: string): Promise<boolean>;
  /**
   * Adds partitions to a topic (CreatePartitions): `assignments` are the replica lists of the
   * new partitions, numbered after the existing ones. Partitions are never removed.
   */
  addPartitions(name: string, assignments: number[][]): Promise<TopicState>;
  /** Sets (value) or removes (null) topic config overrides in one change. */
  alterConfigs(name: string, changes: Record<string, string | null>): Promise<void>;
  /**
   * Changes a partition's leader and ISR if its partition epoch is still `expectedPartitionEpoch`
   * (compare-and-set: of two writers, only one wins). The partition epoch grows by one on every
   * change, the leader epoch when the leader changes. Returns the new state, or undefined when
   * the caller's view was stale.
   */
  changeLeadership(
    topicId: string,
    partitionIndex: number,
    expectedPartitionEpoch: number,
    change: LeadershipChange,
  ): Promise<PartitionState | undefined>;
}

/** ISR changes proposed by partition leaders. */
export interface PartitionRepository {
  /**
   * Applies an AlterPartition request as one change: @strom/replication's `alterPartition` over
   * the partition and the brokers, written with a compare-and-set on the partition epoch that was
   * read. Of two concurrent proposals based on one partition epoch, one wins; the other, run
   * again on the new state, is answered INVALID_UPDATE_VERSION.
   */
  alter(input: AlterPartitionInput): Promise<AlterPartitionOutcome>;
}

/**
 * Broker membership as it moves partitions: registering (and fencing the previous incarnation),
 * fencing an expired broker epoch with its elections, controlled shutdown, and the failover
 * records that make each of those idempotent. Every change is one transaction that bumps the
 * metadata version once, with a compare-and-set on each partition epoch it writes.
 */
export interface MembershipRepository {
  /**
   * Registers a broker with a new epoch. A previous epoch still unfenced (the broker restarted
   * before its lease expired) is fenced first, its leaderships moved (Kafka's unclean shutdown
   * handling); then leaderless partitions this broker is a replica of elect leaders (Kafka's
   * `handleBrokerUnfenced`: cleanly from the ISR, uncleanly only where the topic allows it).
   */
  register(registration: BrokerRegistration, defaults: ElectionDefaults): Promise<RegistrationOutcome>;
  /**
   * Fences `brokerEpoch` of a broker and runs Kafka's partition change with it as the broker to
   * remove for every partition it leads or is in the ISR of, recording the outcome, all in one
   * transaction, if its lease has expired. Idempotent: once done, a second call answers the
   * recorded outcome.
   */
  fence(brokerId: number, brokerEpoch: bigint, fencedBy: string, defaults: ElectionDefaults): Promise<FenceOutcome>;
  /**
   * Controlled shutdown (Kafka's `handleBrokerInControlledShutdown`): the broker is marked as
   * shutting down, so it may lead nothing and join no ISR, and leaves the ISR of every partition
   * (a sole member stays, leaderless, for a clean election when it returns); leaderships move
   * to other ISR members.
   */
  controlledShutdown(brokerId: number, brokerEpoch: bigint, defaults: ElectionDefaults): Promise<ControlledShutdownOutcome>;
  /** The recorded failover of a broker epoch, if it was fenced. */
  failover(brokerId: number, brokerEpoch: bigint): Promise<BrokerFailoverRecord | undefined>;
  /** Failovers fenced but not completed (published and confirmed) yet, oldest first. */
  pendingFailovers(): Promise<BrokerFailoverRecord[]>;
  /** Completes a failover (once: a later call keeps the first completion); returns the record. */
  completeFailover(
    brokerId: number,
    brokerEpoch: bigint,
    completion: { confirmedLeaders: number[]; workflowId: string | null },
  ): Promise<BrokerFailoverRecord | undefined>;
  /** Each broker's registration with the metadata version it last said it applied, by id. */
  appliedVersions(): Promise<{ id: number; epoch: bigint; fenced: boolean; appliedVersion: bigint }[]>;
}

/** Consumer groups' persisted state and committed offsets. */
export interface GroupOffsetRepository {
  /** Commits a batch of offsets for a group atomically (creating the group row if needed). */
  commit(groupId: string, commits: OffsetCommit[]): Promise<void>;
  /** The group's committed offsets (optionally only for some topics), by topic and partition. */
  fetch(groupId: string, topics?: string[]): Promise<CommittedOffsetRow[]>;
  saveGroup(group: StoredGroup): Promise<void>;
  /** Every group with its persisted state and members, by group id. */
  loadGroups(): Promise<Required<StoredGroup>[]>;
  /** Deletes some committed offsets of a group (OffsetDelete, retention). */
  deleteOffsets(groupId: string, partitions: { topic: string; partitionIndex: number }[]): Promise<void>;
  listGroups(): Promise<{ groupId: string; protocolType: string; state: string; generationId: number }[]>;
  /** Deletes a group and its offsets; false when there was none. */
  deleteGroup(groupId: string): Promise<boolean>;
}

/** Hands out disjoint blocks of producer ids (Kafka's AllocateProducerIds semantics). */
export interface ProducerIdRepository {
  /** Claims the next `size` producer ids; two coordinators can never get overlapping blocks. */
  allocateBlock(size: number): Promise<ProducerIdBlock>;
}

/** SCRAM credentials (salted keys only) and ACL bindings. */
export interface SecurityRepository {
  upsertScramCredential(credential: ScramCredentialRecord): Promise<void>;
  scramCredential(user: string, mechanism: ScramMechanism): Promise<ScramCredentialRecord | undefined>;
  /** Every stored credential (of the given users only, when `users` is set), ordered by user then mechanism. */
  listScramCredentials(users?: string[]): Promise<ScramCredentialRecord[]>;
  deleteScramCredential(user: string, mechanism: ScramMechanism): Promise<boolean>;
  /** Stores ACL bindings; a binding that exists already is left as it is. */
  createAcls(bindings: AclBinding[]): Promise<void>;
  /** The bindings matching every given field, in the order they were created. */
  listAcls(filter?: Partial<AclBinding>): Promise<AclBinding[]>;
  /** Deletes the bindings matching every given field; returns what was deleted. */
  deleteAcls(filter: Partial<AclBinding>): Promise<AclBinding[]>;
}

/** The cluster metadata: what the metadata service and the coordinator keep. */
export interface MetadataStore {
  readonly brokers: BrokerRepository;
  readonly brokerConfigs: BrokerConfigRepository;
  readonly groupConfigs: GroupConfigRepository;
  readonly topics: TopicRepository;
  readonly partitions: PartitionRepository;
  readonly membership: MembershipRepository;
  readonly offsets: GroupOffsetRepository;
  readonly producerIds: ProducerIdRepository;
  readonly security: SecurityRepository;
  /** The global metadata version: grows by one with every metadata change. */
  version(): Promise<bigint>;
  /**
   * The cluster id, made on first use: a random UUID as Kafka writes it (base64url, no
   * padding, 22 characters). Set once; every later call returns the same id.
   */
  clusterId(): Promise<string>;
  close(): Promise<void>;
}
