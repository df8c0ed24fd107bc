import type { ErrorCode } from '@strom/errors';
/**
 * The metadata service's bus contract: subjects and JSON message shapes. Brokers and the other
 * services depend on this contract only, never on apps/metadata itself. Numbers that can exceed
 * 2^53 (epochs, versions) travel as decimal strings.
 */

export const MetadataSubjects = {
  /** Request: empty. Reply: `{ version }`. */
  version: 'strom.metadata.version',
  /** Request: empty. Reply: {@link ClusterSnapshot}. */
  snapshot: 'strom.metadata.snapshot',
  /** Published after every change: `{ version }`. Brokers fetch a snapshot when they are behind. */
  changed: 'strom.metadata.changed',
  /** Request: {@link RegisterBrokerRequest}. Reply: {@link RegisterBrokerReply}. */
  registerBroker: 'strom.metadata.brokers.register',
  /** Request: {@link BrokerHeartbeatRequest}. Reply: {@link BrokerHeartbeatReply}. */
  brokerHeartbeat: 'strom.metadata.brokers.heartbeat',
  /**
   * Request: {@link ControlledShutdownRequest}. Reply: {@link ControlledShutdownReply}. A broker
   * about to stop (SIGTERM) moves its leaderships away first (Kafka's controlled shutdown).
   */
  controlledShutdown: 'strom.metadata.brokers.controlled-shutdown',
  /**
   * Request: {@link FenceBrokerRequest}. Reply: {@link FenceBrokerReply}. Fences an expired broker
   * epoch and elects new leaders in one transaction; idempotent (the BrokerFailover workflow's
   * first step).
   */
  fenceBroker: 'strom.metadata.brokers.fence',
  /** Request: {@link CompleteFailoverRequest}. Reply: {@link FenceBrokerReply}. Records a failover as done. */
  completeFailover: 'strom.metadata.brokers.failover.complete',
  /** Request: empty. Reply: {@link BrokerVersionsReply}: the metadata version each broker last applied. */
  brokerVersions: 'strom.metadata.brokers.versions',
  /**
   * Request: {@link AlterPartitionRequest}. Reply: {@link AlterPartitionReply}. A partition
   * leader's ISR change, applied as a compare-and-set on the partition epoch (Kafka's
   * AlterPartition; the rules are @strom/replication's `alterPartition`).
   */
  alterPartition: 'strom.metadata.partitions.alter',
  /** Request: {@link CreateTopicsCommand}. Reply: {@link CreateTopicsReply}. */
  createTopics: 'strom.metadata.topics.create',
  /** Request: {@link DeleteTopicsCommand}. Reply: {@link DeleteTopicsReply}. */
  deleteTopics: 'strom.metadata.topics.delete',
  /**
   * Published after topics are deleted: {@link TopicsDeletedEvent}. Their committed offsets are
   * already gone from the store; the coordinator drops its copies.
   */
  topicsDeleted: 'strom.metadata.topics.deleted',
  /** Request: {@link CreatePartitionsCommand}. Reply: {@link CreatePartitionsReply}. */
  createPartitions: 'strom.metadata.topics.create-partitions',
  /** Request: {@link AlterTopicConfigsCommand}. Reply: {@link AlterTopicConfigsReply}. */
  alterTopicConfigs: 'strom.metadata.topics.alter-configs',
  /** Request: {@link AlterBrokerConfigsCommand}. Reply: {@link AlterBrokerConfigsReply}. */
  alterBrokerConfigs: 'strom.metadata.brokers.alter-configs',
  /** Request: {@link AlterGroupConfigsCommand}. Reply: {@link AlterGroupConfigsReply}. */
  alterGroupConfigs: 'strom.metadata.groups.alter-configs',
  /** Request: {@link ScramCredentialLookupRequest}. Reply: {@link ScramCredentialLookupReply}. */
  scramLookup: 'strom.metadata.security.scram.lookup',
  /** Request: {@link DescribeScramCredentialsRequest}. Reply: {@link DescribeScramCredentialsReply}. */
  scramDescribe: 'strom.metadata.security.scram.describe',
  /** Request: {@link AlterScramCredentialsCommand}. Reply: {@link AlterScramCredentialsReply}. */
  scramAlter: 'strom.metadata.security.scram.alter',
  /** Request: empty. Reply: {@link ListAclsReply}. */
  aclsList: 'strom.metadata.security.acls.list',
  /** Request: {@link CreateAclsCommand}. Reply: `{ ok: true }`. */
  aclsCreate: 'strom.metadata.security.acls.create',
  /** Request: {@link DeleteAclsCommand}. Reply: {@link DeleteAclsReply}. */
  aclsDelete: 'strom.metadata.security.acls.delete',
  /**
   * Published after every change of SCRAM credentials or ACLs: {@link SecurityChangedEvent}.
   * (They are not part of the metadata version: brokers reload ACLs and drop cached credentials.)
   */
  securityChanged: 'strom.metadata.security.changed',
} as const;

/**
 * Where clients on one listener reach a broker: an entry of its `advertised.listeners` (port 0
 * already replaced by the bound port), as Kafka's BrokerRegistration lists its endpoints.
 */
export interface BrokerEndpoint {
  /** The listener name, upper-cased (Kafka's ListenerName.normalised). */
  name: string;
  host: string;
  port: number;
  securityProtocol: string;
}

export interface BrokerInfo {
  id: number;
  /** One per advertised listener; a client is told the endpoint of the listener it came in on. */
  endpoints: BrokerEndpoint[];
  rack: string | null;
  epoch: string;
  fenced: boolean;
}

export interface PartitionInfo {
  partitionIndex: number;
  leaderId: number;
  leaderEpoch: number;
  partitionEpoch: number;
  replicas: number[];
  isr: number[];
  /** RECOVERING after an unclean election until the leader's first ISR change (Kafka's LeaderRecoveryState). */
  leaderRecoveryState: 'RECOVERED' | 'RECOVERING';
}

/** Kafka's AlterPartition request for one partition, from its leader. */
export interface AlterPartitionRequest {
  brokerId: number;
  /** The leader's broker epoch: a fenced or restarted leader's request is refused (STALE_BROKER_EPOCH). */
  brokerEpoch: string;
  topicId: string;
  partitionIndex: number;
  leaderEpoch: number;
  /** The partition epoch the leader's state is based on: the compare-and-set version. */
  partitionEpoch: number;
  /** The new ISR with each member's broker epoch as the leader saw it in its fetches ('-1': unknown). */
  newIsr: { brokerId: number; brokerEpoch: string }[];
  leaderRecoveryState: 'RECOVERED' | 'RECOVERING';
}

export interface AlterPartitionReply {
  /** Kafka's AlterPartition partition error (NONE, FENCED_LEADER_EPOCH, INVALID_UPDATE_VERSION, INELIGIBLE_REPLICA, ...). */
  errorCode: ErrorCode;
  /** The partition as it stands after the request (applied or unchanged); null with an error. */
  partition: PartitionInfo | null;
  /** The metadata version after the change. */
  version: string;
}

export interface TopicInfo {
  id: string;
  name: string;
  internal: boolean;
  partitions: PartitionInfo[];
  configs: Record<string, string>;
}

export interface TopicsDeletedEvent {
  topics: string[];
}

export interface ClusterSnapshot {
  /** The global metadata version this snapshot reflects. */
  version: string;
  clusterId: string;
  controllerId: number;
  brokers: BrokerInfo[];
  topics: TopicInfo[];
  /** Dynamic broker configs (AlterConfigs on BROKER resources), raw as set. */
  brokerConfigs: BrokerConfigsInfo;
  /** Group configs (KIP-848 GROUP config resources) by group id, then name. */
  groupConfigs: Record<string, Record<string, string>>;
}

export interface BrokerConfigsInfo {
  /** The cluster-wide defaults (the default broker resource, name ''). */
  cluster: Record<string, string>;
  /** Per broker id. */
  brokers: Record<string, Record<string, string>>;
}

export interface RegisterBrokerRequest {
  id: number;
  /** Every advertised listener of the broker; a registration replaces the endpoints of the one before. */
  endpoints: BrokerEndpoint[];
  rack: string | null;
  leaseMs: number;
}

export interface RegisterBrokerReply {
  epoch: string;
  version: string;
}

export interface BrokerHeartbeatRequest {
  id: number;
  epoch: string;
  leaseMs: number;
  /** The metadata version the broker has applied (absent from older brokers). */
  appliedVersion?: string;
}

export interface BrokerHeartbeatReply {
  /** False: the epoch is fenced or superseded; the broker registers again. */
  ok: boolean;
  /**
   * The current metadata version. A broker behind it fetches a snapshot, so a lost `changed`
   * announcement (NATS core delivers at most once) costs one heartbeat interval, not staleness
   * until the next change.
   */
  version: string;
}

export interface ControlledShutdownRequest {
  brokerId: number;
  brokerEpoch: string;
}

export interface ControlledShutdownReply {
  /** NONE, or STALE_BROKER_EPOCH when the epoch is not the registered one (or already fenced). */
  errorCode: ErrorCode;
  /** Partitions whose leader or ISR changed. */
  partitionsMoved: number;
  version: string;
}

export interface FenceBrokerRequest {
  brokerId: number;
  brokerEpoch: string;
  /** Who asks: `workflow` or `metadata-service` (recorded with the failover). */
  fencedBy: string;
}

/** A partition after a failover's election. */
export interface FailoverPartition {
  topicId: string;
  topic: string;
  partitionIndex: number;
  leaderId: number;
  leaderEpoch: number;
  isr: number[];
}

/** A fenced broker epoch and what its fencing changed. Times are epoch milliseconds. */
export interface BrokerFailoverInfo {
  brokerId: number;
  brokerEpoch: string;
  reason: 'lease-expired' | 'restarted';
  leaseExpiredAtMs: number;
  fencedAtMs: number;
  version: string;
  partitions: FailoverPartition[];
  fencedBy: string;
  completedAtMs: number | null;
  confirmedLeaders: number[];
  workflowId: string | null;
}

export interface FenceBrokerReply {
  /**
   * fenced now, already fenced (the recorded outcome), superseded by a newer epoch, alive (lease
   * renewed), or shut-down (it left by controlled shutdown: fenced, nothing to fail over).
   */
  status: 'fenced' | 'already-fenced' | 'superseded' | 'alive' | 'shut-down';
  failover: BrokerFailoverInfo | null;
}

export interface CompleteFailoverRequest {
  brokerId: number;
  brokerEpoch: string;
  /** The new leaders that applied the failover's version in time. */
  confirmedLeaders: number[];
  workflowId: string | null;
}

export interface BrokerVersionsReply {
  brokers: { id: number; epoch: string; fenced: boolean; appliedVersion: string }[];
}

/** The BrokerFailover workflow's id for a broker epoch: one workflow per fenced epoch. */
export function brokerFailoverWorkflowId(brokerId: number, brokerEpoch: string): string {
  return `broker-failover-${brokerId}-${brokerEpoch}`;
}

export interface CreatableTopic {
  name: string;
  /** -1: the cluster default (num.partitions). */
  numPartitions: number;
  /** -1: the cluster default (default.replication.factor). */
  replicationFactor: number;
  /** Explicit replica lists per partition index; then numPartitions and replicationFactor are -1. */
  assignments: { partitionIndex: number; brokerIds: number[] }[];
  configs: Record<string, string | null>;
}

/**
 * Kafka's internal topics (Topic.INTERNAL_TOPICS): Metadata reports them with is_internal, and
 * clients may not produce to them. Kafka makes __consumer_offsets itself on first use.
 */
export const INTERNAL_TOPICS: ReadonlySet<string> = new Set(['__consumer_offsets', '__transaction_state', '__share_group_state']);

/** KRaft's own metadata log: no client may create a topic of that name. */
export const CLUSTER_METADATA_TOPIC = '__cluster_metadata';

export interface CreateTopicsCommand {
  topics: CreatableTopic[];
  validateOnly: boolean;
}

export interface CreateTopicResult {
  name: string;
  /** Kafka error code; 0 on success. */
  errorCode: ErrorCode;
  errorMessage: string | null;
  topicId: string | null;
  numPartitions: number;
  replicationFactor: number;
  configs: Record<string, string>;
}

export interface CreateTopicsReply {
  version: string;
  results: CreateTopicResult[];
  /**
   * Set when the request as a whole was refused (Kafka's controller throws, and CreateTopics answers
   * every topic of the request with this error, those refused by authorization too).
   */
  requestError?: { errorCode: ErrorCode; errorMessage: string };
}

/**
 * Most partitions one CreateTopics request may create, or one CreatePartitions request add, in all
 * (Kafka's MAX_PARTITIONS_PER_BATCH): more is POLICY_VIOLATION for the whole request.
 */
export const MAX_PARTITIONS_PER_CREATE_TOPICS = 10_000;

/** Kafka's message for a request over {@link MAX_PARTITIONS_PER_CREATE_TOPICS}. */
export const EXCESSIVE_PARTITIONS_MESSAGE = 'Excessively large number of partitions per request.';

/** Kafka's message for a CreatePartitions request adding more than {@link MAX_PARTITIONS_PER_CREATE_TOPICS}. */
export const EXCESSIVE_ADDED_PARTITIONS_MESSAGE = 'Excessively large number of additional partitions per request.';

/**
 * Most metadata records one admin request may write (Kafka's QuorumController.MAX_RECORDS_PER_USER_OP):
 * CreateTopics writes one per topic, one per partition and one per config it sets. More is
 * POLICY_VIOLATION for the whole request.
 */
export const MAX_RECORDS_PER_USER_OP = 10_000;

/** Kafka's message for a request over {@link MAX_RECORDS_PER_USER_OP}. */
export const EXCESSIVE_BATCH_MESSAGE = 'Unable to perform excessively large batch operation.';

export interface DeleteTopicsCommand {
  /** Topics by name or by id (exactly one of the two per entry). */
  topics: { name: string | null; topicId: string | null }[];
}

export interface DeleteTopicResult {
  name: string | null;
  topicId: string | null;
  errorCode: ErrorCode;
  errorMessage: string | null;
}

export interface DeleteTopicsReply {
  version: string;
  results: DeleteTopicResult[];
}

export interface AlterTopicConfigsCommand {
  topic: string;
  /** Values to set; null removes the override. */
  changes: Record<string, string | null>;
  /** AlterConfigs semantics: every override not named in `changes` is removed. */
  replace: boolean;
  validateOnly: boolean;
}

export interface AlterTopicConfigsReply {
  version: string;
  errorCode: ErrorCode;
  errorMessage: string | null;
}

export interface AlterBrokerConfigsCommand {
  /** null: the cluster-wide defaults; else one broker's own configs. */
  brokerId: number | null;
  /** Values to set; null removes the config. */
  changes: Record<string, string | null>;
  /** AlterConfigs semantics: every config of the resource not named in `changes` is removed. */
  replace: boolean;
  validateOnly: boolean;
}

export interface AlterBrokerConfigsReply {
  version: string;
  errorCode: ErrorCode;
  errorMessage: string | null;
}

/** Changes to a group's configs, already validated by the broker against its group coordinator bounds. */
export interface AlterGroupConfigsCommand {
  groupId: string;
  /** Values to set; null removes the config. */
  changes: Record<string, string | null>;
  /** AlterConfigs semantics: every config of the group not named in `changes` is removed. */
  replace: boolean;
}

export interface AlterGroupConfigsReply {
  version: string;
}

export interface CreatePartitionsCommand {
  topics: { name: string; count: number; assignments: number[][] | null }[];
  validateOnly: boolean;
}

export interface CreatePartitionsReply {
  version: string;
  results: { name: string; errorCode: ErrorCode; errorMessage: string | null }[];
  /** Set when the request as a whole was refused: every topic of the request gets this error. */
  requestError?: { errorCode: ErrorCode; errorMessage: string };
}

/** SCRAM mechanism names as Kafka spells them. */
export type ScramMechanismName = 'SCRAM-SHA-256' | 'SCRAM-SHA-512';

/** A stored SCRAM credential: salted keys only (base64), never the password. */
export interface ScramCredentialInfo {
  salt: string;
  storedKey: string;
  serverKey: string;
  iterations: number;
}

export interface ScramCredentialLookupRequest {
  user: string;
  mechanism: ScramMechanismName;
}

export interface ScramCredentialLookupReply {
  credential: ScramCredentialInfo | null;
}

export interface DescribeScramCredentialsRequest {
  /** null: every user that has a credential. */
  users: string[] | null;
}

export interface DescribeScramCredentialsReply {
  credentials: { user: string; mechanism: ScramMechanismName; iterations: number }[];
}

/** Validated changes (the broker checks names, mechanisms, iterations and duplicates first). */
export interface AlterScramCredentialsCommand {
  deletions: { user: string; mechanism: ScramMechanismName }[];
  upsertions: ({ user: string; mechanism: ScramMechanismName } & ScramCredentialInfo)[];
}

export interface AlterScramCredentialsReply {
  /** One per deletion, in order: false when there was no such credential (RESOURCE_NOT_FOUND). */
  deleted: boolean[];
}

/** An ACL binding with Kafka's integer codes. */
export interface AclBindingInfo {
  resourceType: number;
  resourceName: string;
  patternType: number;
  principal: string;
  host: string;
  operation: number;
  permissionType: number;
}

export interface ListAclsReply {
  acls: AclBindingInfo[];
}

export interface CreateAclsCommand {
  acls: AclBindingInfo[];
}

/** Exact bindings to delete (the broker matches Kafka's filters against the ACLs first). */
export interface DeleteAclsCommand {
  acls: AclBindingInfo[];
}

export interface DeleteAclsReply {
  /** The bindings that were stored and are now deleted. */
  deleted: AclBindingInfo[];
}

export interface SecurityChangedEvent {
  /** Whether ACLs changed (reload them). */
  acls: boolean;
  /** Users whose SCRAM credentials changed (drop them from caches). */
  scramUsers: string[];
}

/** Exactly an ACL binding's fields (a database row may carry more, e.g. its id). */
export function aclBindingInfo(binding: AclBindingInfo): AclBindingInfo {
  return {
    resourceType: binding.resourceType,
    resourceName: binding.resourceName,
    patternType: binding.patternType,
    principal: binding.principal,
    host: binding.host,
    operation: binding.operation,
    permissionType: binding.permissionType,
  };
}
