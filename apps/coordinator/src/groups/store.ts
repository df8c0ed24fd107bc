/**
 * What the classic group coordinator persists: the group metadata Kafka writes to
 * `__consumer_offsets` (GroupMetadataValue) and the committed offsets (OffsetCommitValue).
 */

/** One member as of the last completed rebalance (Kafka's MemberMetadata record). */
export interface PersistedMember {
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  rebalanceTimeoutMs: number;
  sessionTimeoutMs: number;
  /** The member's metadata for the group's selected protocol (for "consumer": a ConsumerProtocolSubscription). */
  subscription: Buffer;
  /** The assignment the leader gave this member (for "consumer": a ConsumerProtocolAssignment). */
  assignment: Buffer;
}

/** A group's metadata (Kafka's GroupMetadataValue). */
export interface PersistedGroup {
  groupId: string;
  /**
   * null for a group that only stores offsets ("simple" consumers, no group management). An
   * empty string reads back as null, as Kafka's GroupMetadata.loadGroup reads it.
   */
  protocolType: string | null;
  generationId: number;
  /** The selected protocol, or null when the group has no members. */
  protocolName: string | null;
  /** The leader's member id, or null when the group has no members. */
  leader: string | null;
  /** When the group entered its current state; offsets of an Empty group expire counting from it. */
  currentStateTimestampMs: number | null;
  members: PersistedMember[];
}

/** One committed offset (Kafka's OffsetCommitValue). */
export interface PersistedOffset {
  topic: string;
  partition: number;
  offset: bigint;
  /** -1 when the committer gave none. */
  leaderEpoch: number;
  metadata: string;
  commitTimestampMs: number;
  /** Only for commits (OffsetCommit v2-v4) that asked for their own retention; null otherwise. */
  expireTimestampMs: number | null;
}

export interface TopicPartitionRef {
  topic: string;
  partition: number;
}

/**
 * The coordinator's persistence. Writes are awaited before the coordinator answers, so a
 * resolved write must be durable. A rejected promise is reported to the client as a retriable
 * error (COORDINATOR_NOT_AVAILABLE) and leaves the coordinator's memory unchanged.
 */
export interface GroupStore {
  /**
   * Every group the store knows: those with saved metadata and those that only have
   * committed offsets (return the latter with protocolType null, generation 0, no members).
   */
  loadGroups(): Promise<PersistedGroup[]>;
  /** Creates or replaces a group's metadata; its offsets stay. */
  saveGroup(group: PersistedGroup): Promise<void>;
  /** Deletes a group's metadata and all its offsets; a no-op for an unknown group. */
  deleteGroup(groupId: string): Promise<void>;
  /** Upserts offsets atomically (all or none), creating the group's row when it has none. */
  commitOffsets(groupId: string, offsets: PersistedOffset[]): Promise<void>;
  /** The group's offsets (only those of `topics`, when given). Read once per group by `start()`. */
  fetchOffsets(groupId: string, topics?: string[]): Promise<PersistedOffset[]>;
  /** Deletes some of a group's offsets; partitions without an offset are skipped. */
  deleteOffsets(groupId: string, partitions: TopicPartitionRef[]): Promise<void>;
}
