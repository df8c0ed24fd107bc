import { ErrorCode } from '@strom/errors';
import { ApiKey } from '@strom/protocol';
import { AclOperation, ResourceType } from './acl.js';

/** One permission: an operation on a resource type (the resource itself is named by the check). */
export interface Permission {
  readonly operation: number;
  readonly resourceType: number;
  /**
   * Held on at least one resource of the type (Kafka's `authorizeByResourceType`, InitProducerId's
   * "WRITE on any topic") rather than on the resource the request names.
   */
  readonly onAnyResource?: boolean;
}

/**
 * One check Kafka makes for an API: the permissions any one of which allows it (in Kafka's order),
 * what it covers, and the answer when none is held.
 */
export interface AclCheck {
  readonly allowedBy: readonly Permission[];
  /**
   * `request`: the whole request is refused; `each`: each named resource (topic, group, key) is
   * refused on its own and the rest goes ahead; `hidden`: resources the client may not see are
   * left out of the answer; `field`: only an authorized-operations field depends on it.
   */
  readonly scope: 'request' | 'each' | 'hidden' | 'field';
  /** The error code Kafka puts where the check fails; NONE for `hidden` and `field` checks. */
  readonly denied: ErrorCode;
  /** When the check applies, if not always (a condition on the request). */
  readonly when?: string;
}

/**
 * How an API is authorized: the checks Kafka's KafkaApis / ControllerApis / AclApis make for it,
 * or an explicit statement that Kafka makes none (with why).
 */
export type ApiAuthorization =
  { readonly kind: 'checked'; readonly checks: readonly AclCheck[] } | { readonly kind: 'unchecked'; readonly reason: string };

const permission = (operation: number, resourceType: number): Permission => ({ operation, resourceType });
const onCluster = (operation: number) => permission(operation, ResourceType.CLUSTER);
const onTopic = (operation: number) => permission(operation, ResourceType.TOPIC);
const onGroup = (operation: number) => permission(operation, ResourceType.GROUP);
const onTransactionalId = (operation: number) => permission(operation, ResourceType.TRANSACTIONAL_ID);

const checked = (...checks: AclCheck[]): ApiAuthorization => ({ kind: 'checked', checks });
const each = (denied: ErrorCode, ...allowedBy: Permission[]): AclCheck => ({ allowedBy, scope: 'each', denied });
const whole = (denied: ErrorCode, ...allowedBy: Permission[]): AclCheck => ({ allowedBy, scope: 'request', denied });
const hidden = (...allowedBy: Permission[]): AclCheck => ({ allowedBy, scope: 'hidden', denied: ErrorCode.NONE });
const field = (when: string, ...allowedBy: Permission[]): AclCheck => ({ allowedBy, scope: 'field', denied: ErrorCode.NONE, when });
const only = (when: string, check: AclCheck): AclCheck => ({ ...check, when });

const TOPIC_DENIED = ErrorCode.TOPIC_AUTHORIZATION_FAILED;
const GROUP_DENIED = ErrorCode.GROUP_AUTHORIZATION_FAILED;
const CLUSTER_DENIED = ErrorCode.CLUSTER_AUTHORIZATION_FAILED;
const TRANSACTIONAL_ID_DENIED = ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED;

/** The group-protocol APIs of a feature Strom keeps disabled: Kafka answers before authorizing. */
const DISABLED_FEATURE: ApiAuthorization = {
  kind: 'unchecked',
  reason: 'the feature is disabled: Kafka answers UNSUPPORTED_VERSION before any authorization',
};

/**
 * Every API Strom serves, with the authorization Kafka applies to it (KafkaApis, AuthHelper,
 * ControllerApis for the APIs a KRaft broker forwards, AclApis). The router refuses to register an
 * API that has no entry here, and refuses requests for one, so no API is served unchecked by
 * oversight. The handlers apply the checks (most are per topic or group and shape the answer);
 * `test/e2e/authorization.test.ts` walks every announced API against Kafka's rules.
 */
export const API_AUTHORIZATION: Readonly<Partial<Record<ApiKey, ApiAuthorization>>> = {
  [ApiKey.Produce]: checked(
    only('transactional id set', whole(TRANSACTIONAL_ID_DENIED, onTransactionalId(AclOperation.WRITE))),
    each(TOPIC_DENIED, onTopic(AclOperation.WRITE)),
  ),
  [ApiKey.Fetch]: checked(
    only('from a consumer', each(TOPIC_DENIED, onTopic(AclOperation.READ))),
    only('from a follower (replica id ≥ 0)', each(TOPIC_DENIED, onCluster(AclOperation.CLUSTER_ACTION))),
  ),
  [ApiKey.ListOffsets]: checked(each(TOPIC_DENIED, onTopic(AclOperation.DESCRIBE))),
  [ApiKey.DescribeTopicPartitions]: checked(
    only('topics named', each(TOPIC_DENIED, onTopic(AclOperation.DESCRIBE))),
    only('all topics', hidden(onTopic(AclOperation.DESCRIBE))),
  ),
  [ApiKey.Metadata]: checked(
    only('topics named', each(TOPIC_DENIED, onTopic(AclOperation.DESCRIBE))),
    only('all topics', hidden(onTopic(AclOperation.DESCRIBE))),
    only('auto-creation', each(TOPIC_DENIED, onCluster(AclOperation.CREATE), onTopic(AclOperation.CREATE))),
    field('include_cluster_authorized_operations (v8-10)', onCluster(AclOperation.DESCRIBE)),
    field('include_topic_authorized_operations (v8+)', onTopic(AclOperation.DESCRIBE)),
  ),
  [ApiKey.OffsetCommit]: checked(whole(GROUP_DENIED, onGroup(AclOperation.READ)), each(TOPIC_DENIED, onTopic(AclOperation.READ))),
  [ApiKey.OffsetFetch]: checked(
    each(GROUP_DENIED, onGroup(AclOperation.DESCRIBE)),
    only('topics named', each(TOPIC_DENIED, onTopic(AclOperation.DESCRIBE))),
    only('all topics', hidden(onTopic(AclOperation.DESCRIBE))),
  ),
  [ApiKey.FindCoordinator]: checked(
    only('key type GROUP', each(GROUP_DENIED, onGroup(AclOperation.DESCRIBE))),
    only('key type TRANSACTION', each(TRANSACTIONAL_ID_DENIED, onTransactionalId(AclOperation.DESCRIBE))),
  ),
  [ApiKey.JoinGroup]: checked(whole(GROUP_DENIED, onGroup(AclOperation.READ))),
  [ApiKey.Heartbeat]: checked(whole(GROUP_DENIED, onGroup(AclOperation.READ))),
  [ApiKey.LeaveGroup]: checked(whole(GROUP_DENIED, onGroup(AclOperation.READ))),
  [ApiKey.SyncGroup]: checked(whole(GROUP_DENIED, onGroup(AclOperation.READ))),
  [ApiKey.DescribeGroups]: checked(
    each(GROUP_DENIED, onGroup(AclOperation.DESCRIBE)),
    field('include_authorized_operations (v3+)', onGroup(AclOperation.DESCRIBE)),
  ),
  [ApiKey.ListGroups]: checked(hidden(onCluster(AclOperation.DESCRIBE), onGroup(AclOperation.DESCRIBE))),
  [ApiKey.SaslHandshake]: { kind: 'unchecked', reason: 'authentication: Kafka authorizes nothing before a principal exists' },
  [ApiKey.ApiVersions]: { kind: 'unchecked', reason: 'version negotiation, answered before authentication' },
  [ApiKey.CreateTopics]: checked(
    each(TOPIC_DENIED, onCluster(AclOperation.CREATE), onTopic(AclOperation.CREATE)),
    only('topic_config_error_code (v5+)', each(TOPIC_DENIED, onTopic(AclOperation.DESCRIBE_CONFIGS))),
  ),
  [ApiKey.DeleteTopics]: checked(
    each(TOPIC_DENIED, onCluster(AclOperation.DELETE), onTopic(AclOperation.DELETE)),
    only('by topic id', hidden(onCluster(AclOperation.DELETE), onTopic(AclOperation.DESCRIBE))),
  ),
  [ApiKey.DeleteRecords]: checked(each(TOPIC_DENIED, onTopic(AclOperation.DELETE))),
  [ApiKey.InitProducerId]: checked(
    only('transactional id set', whole(TRANSACTIONAL_ID_DENIED, onTransactionalId(AclOperation.WRITE))),
    only(
      'no transactional id',
      whole(CLUSTER_DENIED, onCluster(AclOperation.IDEMPOTENT_WRITE), {
        operation: AclOperation.WRITE,
        resourceType: ResourceType.TOPIC,
        onAnyResource: true,
      }),
    ),
  ),
  [ApiKey.OffsetForLeaderEpoch]: checked(each(TOPIC_DENIED, onCluster(AclOperation.CLUSTER_ACTION), onTopic(AclOperation.DESCRIBE))),
  [ApiKey.DescribeAcls]: checked(whole(CLUSTER_DENIED, onCluster(AclOperation.DESCRIBE))),
  [ApiKey.CreateAcls]: checked(whole(CLUSTER_DENIED, onCluster(AclOperation.ALTER))),
  [ApiKey.DeleteAcls]: checked(whole(CLUSTER_DENIED, onCluster(AclOperation.ALTER))),
  [ApiKey.DescribeConfigs]: checked(
    only('TOPIC resources', each(TOPIC_DENIED, onTopic(AclOperation.DESCRIBE_CONFIGS))),
    only('BROKER, BROKER_LOGGER and CLIENT_METRICS resources', each(CLUSTER_DENIED, onCluster(AclOperation.DESCRIBE_CONFIGS))),
    only('GROUP resources', each(GROUP_DENIED, onGroup(AclOperation.DESCRIBE_CONFIGS))),
  ),
  [ApiKey.AlterConfigs]: checked(
    only('TOPIC resources', each(TOPIC_DENIED, onTopic(AclOperation.ALTER_CONFIGS))),
    only('BROKER, BROKER_LOGGER and CLIENT_METRICS resources', each(CLUSTER_DENIED, onCluster(AclOperation.ALTER_CONFIGS))),
    only('GROUP resources', each(GROUP_DENIED, onGroup(AclOperation.ALTER_CONFIGS))),
  ),
  [ApiKey.DescribeLogDirs]: checked(whole(CLUSTER_DENIED, onCluster(AclOperation.DESCRIBE))),
  [ApiKey.SaslAuthenticate]: { kind: 'unchecked', reason: 'authentication: Kafka authorizes nothing before a principal exists' },
  [ApiKey.CreatePartitions]: checked(each(TOPIC_DENIED, onTopic(AclOperation.ALTER))),
  [ApiKey.DeleteGroups]: checked(each(GROUP_DENIED, onGroup(AclOperation.DELETE))),
  [ApiKey.IncrementalAlterConfigs]: checked(
    only('TOPIC resources', each(TOPIC_DENIED, onTopic(AclOperation.ALTER_CONFIGS))),
    only('BROKER, BROKER_LOGGER and CLIENT_METRICS resources', each(CLUSTER_DENIED, onCluster(AclOperation.ALTER_CONFIGS))),
    only('GROUP resources', each(GROUP_DENIED, onGroup(AclOperation.ALTER_CONFIGS))),
  ),
  [ApiKey.OffsetDelete]: checked(whole(GROUP_DENIED, onGroup(AclOperation.DELETE)), each(TOPIC_DENIED, onTopic(AclOperation.READ))),
  [ApiKey.DescribeClientQuotas]: checked(whole(CLUSTER_DENIED, onCluster(AclOperation.DESCRIBE_CONFIGS))),
  [ApiKey.DescribeUserScramCredentials]: checked(whole(CLUSTER_DENIED, onCluster(AclOperation.DESCRIBE))),
  [ApiKey.AlterUserScramCredentials]: checked(whole(CLUSTER_DENIED, onCluster(AclOperation.ALTER))),
  // Kafka's broker answers DescribeCluster to any authenticated client; only the field needs DESCRIBE.
  [ApiKey.DescribeCluster]: checked(field('include_cluster_authorized_operations', onCluster(AclOperation.DESCRIBE))),
  [ApiKey.DescribeProducers]: checked(each(TOPIC_DENIED, onTopic(AclOperation.READ))),
  [ApiKey.ConsumerGroupHeartbeat]: DISABLED_FEATURE,
  [ApiKey.ConsumerGroupDescribe]: DISABLED_FEATURE,
  [ApiKey.ShareGroupHeartbeat]: DISABLED_FEATURE,
  [ApiKey.ShareGroupDescribe]: DISABLED_FEATURE,
  [ApiKey.ShareFetch]: DISABLED_FEATURE,
  [ApiKey.ShareAcknowledge]: DISABLED_FEATURE,
};
