/**
 * The request versions at which the classic group APIs change behaviour, each with what Kafka's
 * message spec (libs/protocol/spec/*.json: the header comments and each field's "versions") says
 * changed there. The coordinator compares `apiVersion` only against these.
 */

// JoinGroup
/** JoinGroupRequest v1 adds RebalanceTimeoutMs (before it, the session timeout is the rebalance timeout). */
export const JOIN_GROUP_REBALANCE_TIMEOUT_SINCE_VERSION = 1;
/** JoinGroup v4: a new member must issue a second request with the member id it was assigned (KIP-394). */
export const JOIN_GROUP_MEMBER_ID_REQUIRED_SINCE_VERSION = 4;
/** JoinGroup v5 adds GroupInstanceId (static membership, KIP-345), in the request and the response's members. */
export const JOIN_GROUP_STATIC_MEMBERSHIP_SINCE_VERSION = 5;
/** JoinGroupResponse v7 sends back ProtocolType, and ProtocolName becomes nullable (KIP-559). */
export const JOIN_GROUP_PROTOCOL_TYPE_SINCE_VERSION = 7;
/** JoinGroupRequest v8 adds the Reason field (KIP-800). */
export const JOIN_GROUP_REASON_SINCE_VERSION = 8;
/** JoinGroupResponse v9 adds SkipAssignment (the leader may skip computing an assignment, KIP-814). */
export const JOIN_GROUP_SKIP_ASSIGNMENT_SINCE_VERSION = 9;

// SyncGroup
/** SyncGroupRequest v3 adds GroupInstanceId (static membership). */
export const SYNC_GROUP_STATIC_MEMBERSHIP_SINCE_VERSION = 3;
/** SyncGroup v5: the client sends ProtocolType and ProtocolName, checked by the broker and sent back (KIP-559). */
export const SYNC_GROUP_PROTOCOL_TYPE_SINCE_VERSION = 5;

// Heartbeat
/** HeartbeatRequest v3 adds GroupInstanceId (static membership). */
export const HEARTBEAT_STATIC_MEMBERSHIP_SINCE_VERSION = 3;

// LeaveGroup
/** LeaveGroupRequest v3 leaves a batch of members, each by member id and group.instance.id (KIP-345). */
export const LEAVE_GROUP_BATCH_SINCE_VERSION = 3;
/** LeaveGroupRequest v5 adds each member's Reason (KIP-800). */
export const LEAVE_GROUP_REASON_SINCE_VERSION = 5;

// OffsetCommit
/** OffsetCommitRequest v1 adds the group membership information (generation id, member id). */
export const OFFSET_COMMIT_MEMBERSHIP_SINCE_VERSION = 1;
/** OffsetCommitRequest v2 adds RetentionTimeMs ... */
export const OFFSET_COMMIT_RETENTION_TIME_SINCE_VERSION = 2;
/** ... and v5 removes it again: retention is then only the broker's `offsets.retention.minutes`. */
export const OFFSET_COMMIT_RETENTION_TIME_UNTIL_VERSION = 4;
/** OffsetCommitRequest v6 adds the partitions' CommittedLeaderEpoch (for fencing). */
export const OFFSET_COMMIT_LEADER_EPOCH_SINCE_VERSION = 6;
/** OffsetCommitRequest v7 adds GroupInstanceId (static membership). */
export const OFFSET_COMMIT_STATIC_MEMBERSHIP_SINCE_VERSION = 7;

// OffsetFetch
/** OffsetFetch v2: a null topics array fetches every topic, and the response has a top-level error code. */
export const OFFSET_FETCH_ALL_TOPICS_SINCE_VERSION = 2;
/** OffsetFetchResponse v5 adds the committed offset's leader epoch. */
export const OFFSET_FETCH_LEADER_EPOCH_SINCE_VERSION = 5;
/** OffsetFetch v8 fetches the offsets of several groups at a time (KIP-709). */
export const OFFSET_FETCH_MULTIPLE_GROUPS_SINCE_VERSION = 8;

/**
 * OffsetCommit and OffsetFetch v10 add topic ids and remove topic names (KIP-848). Offsets are kept
 * by name and only the broker knows the topics, so it resolves the ids and forwards v9.
 */
export const OFFSETS_BY_TOPIC_ID_SINCE_VERSION = 10;

// ListGroups
/** ListGroups v4 adds StatesFilter to the request and GroupState to the response (KIP-518). */
export const LIST_GROUPS_STATES_SINCE_VERSION = 4;
/** ListGroups v5 adds TypesFilter to the request and GroupType to the response (KIP-848). */
export const LIST_GROUPS_TYPES_SINCE_VERSION = 5;

// DescribeGroups
/** DescribeGroups v3: authorized operations can be requested (KIP-430). */
export const DESCRIBE_GROUPS_AUTHORIZED_OPERATIONS_SINCE_VERSION = 3;
/** DescribeGroupsResponse v6 returns GROUP_ID_NOT_FOUND for a group that does not exist (KIP-1043). */
export const DESCRIBE_GROUPS_NOT_FOUND_SINCE_VERSION = 6;
