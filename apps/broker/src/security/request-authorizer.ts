import { AclOperation, CLUSTER_NAME, ResourceType } from './acl.js';
import type { StandardAuthorizer } from './authorizer.js';

/** Who asks: structurally the connection's `ClientContext`. */
export interface RequestPrincipal {
  /** `User:alice`, `User:ANONYMOUS` on a PLAINTEXT listener. */
  readonly principal: string;
  /** The client's IP address, without the port (host ACLs other than `*` never match without it). */
  readonly clientHost?: string | undefined;
}

/**
 * Authorization as request handlers use it (Kafka's `AuthHelper`). Without an authorizer
 * (`authorizer.class.name` unset) everything is allowed, as in Kafka; with one, the
 * {@link StandardAuthorizer} decides (deny by default unless `allow.everyone.if.no.acl.found`).
 *
 * For handlers outside this module (the group APIs, for instance):
 *
 * ```ts
 * if (!authorization.allowed(client, AclOperation.READ, ResourceType.GROUP, groupId)) {
 *   return errorResponse(ErrorCode.GROUP_AUTHORIZATION_FAILED);
 * }
 * ```
 *
 * `client` is the handler's `ClientContext`. Kafka's group checks: JoinGroup, SyncGroup,
 * Heartbeat, LeaveGroup, OffsetCommit, OffsetDelete, TxnOffsetCommit: READ on the group
 * (OffsetCommit also READ on each topic → TOPIC_AUTHORIZATION_FAILED per partition); OffsetFetch:
 * DESCRIBE on the group, DESCRIBE on each topic (unauthorized partitions are left out of a "all
 * topics" fetch); DescribeGroups: DESCRIBE; ListGroups: DESCRIBE on the cluster, or else only the
 * groups with DESCRIBE; DeleteGroups: DELETE; FindCoordinator: DESCRIBE on the group.
 */
export class RequestAuthorizer {
  constructor(readonly authorizer: StandardAuthorizer | undefined) {}

  /** Whether an authorizer is configured (ACL APIs answer SECURITY_DISABLED when not). */
  get enabled(): boolean {
    return this.authorizer !== undefined;
  }

  /** Whether the client may perform `operation` on the named resource. */
  allowed(client: RequestPrincipal, operation: number, resourceType: number, resourceName: string): boolean {
    if (!this.authorizer) return true;
    return this.authorizer.authorize(client.principal, client.clientHost ?? '', operation, resourceType, resourceName) === 'ALLOWED';
  }

  /** `allowed` on the CLUSTER resource. */
  allowedOnCluster(client: RequestPrincipal, operation: number): boolean {
    return this.allowed(client, operation, ResourceType.CLUSTER, CLUSTER_NAME);
  }

  /** Whether the client may perform `operation` on some resource of the type (Kafka's `authorizeByResourceType`). */
  allowedOnAny(client: RequestPrincipal, operation: number, resourceType: number): boolean {
    if (!this.authorizer) return true;
    return this.authorizer.authorizeByResourceType(client.principal, client.clientHost ?? '', operation, resourceType) === 'ALLOWED';
  }

  /** The names the client may perform `operation` on, as a set (Kafka's `filterByAuthorized`). */
  filterAllowed(client: RequestPrincipal, operation: number, resourceType: number, names: Iterable<string>): Set<string> {
    const out = new Set<string>();
    for (const name of names) if (this.allowed(client, operation, resourceType, name)) out.add(name);
    return out;
  }

  /** CreateTopics and auto-creation: CREATE on the cluster, or CREATE on the topic. */
  mayCreateTopic(client: RequestPrincipal, topic: string): boolean {
    return this.allowedOnCluster(client, AclOperation.CREATE) || this.allowed(client, AclOperation.CREATE, ResourceType.TOPIC, topic);
  }
}

/** Everything allowed: brokers without an authorizer, and tests. */
export const ALLOW_ALL = new RequestAuthorizer(undefined);
