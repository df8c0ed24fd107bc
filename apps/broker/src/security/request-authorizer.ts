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
 * `client` is the handler's `ClientContext`. What Kafka checks for each API is the table in
 * `api-authorization.ts`.
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

  /**
   * The operations the client may perform on the resource, as the 32-bit field of the
   * `*AuthorizedOperations` response fields (bit `1 << code` per allowed operation; Kafka's
   * `AuthHelper.authorizedOperations` over `AclEntry.supportedOperations`).
   */
  authorizedOperations(client: RequestPrincipal, resourceType: number, resourceName: string): number {
    let field = 0;
    for (const operation of SUPPORTED_OPERATIONS[resourceType] ?? []) {
      if (this.allowed(client, operation, resourceType, resourceName)) field |= 1 << operation;
    }
    return field;
  }

  /** The cluster's authorized operations as Metadata and DescribeCluster give them: 0 without DESCRIBE on the cluster. */
  clusterAuthorizedOperations(client: RequestPrincipal): number {
    if (!this.allowedOnCluster(client, AclOperation.DESCRIBE)) return 0;
    return this.authorizedOperations(client, ResourceType.CLUSTER, CLUSTER_NAME);
  }

  /** CreateTopics and auto-creation: CREATE on the cluster, or CREATE on the topic. */
  mayCreateTopic(client: RequestPrincipal, topic: string): boolean {
    return this.allowedOnCluster(client, AclOperation.CREATE) || this.allowed(client, AclOperation.CREATE, ResourceType.TOPIC, topic);
  }
}

/** Kafka's `AclEntry.supportedOperations`: what an authorized-operations field can list, by resource type. */
const SUPPORTED_OPERATIONS: Readonly<Record<number, readonly number[]>> = {
  [ResourceType.TOPIC]: [
    AclOperation.READ,
    AclOperation.WRITE,
    AclOperation.CREATE,
    AclOperation.DESCRIBE,
    AclOperation.DELETE,
    AclOperation.ALTER,
    AclOperation.DESCRIBE_CONFIGS,
    AclOperation.ALTER_CONFIGS,
  ],
  [ResourceType.GROUP]: [
    AclOperation.READ,
    AclOperation.DESCRIBE,
    AclOperation.DELETE,
    AclOperation.DESCRIBE_CONFIGS,
    AclOperation.ALTER_CONFIGS,
  ],
  [ResourceType.CLUSTER]: [
    AclOperation.CREATE,
    AclOperation.CLUSTER_ACTION,
    AclOperation.DESCRIBE_CONFIGS,
    AclOperation.ALTER_CONFIGS,
    AclOperation.IDEMPOTENT_WRITE,
    AclOperation.ALTER,
    AclOperation.DESCRIBE,
  ],
  [ResourceType.TRANSACTIONAL_ID]: [AclOperation.DESCRIBE, AclOperation.WRITE],
};

/** Kafka's value of an authorized-operations field the client did not ask for. */
export const AUTHORIZED_OPERATIONS_OMITTED = -2147483648;

/** Everything allowed: brokers without an authorizer, and tests. */
export const ALLOW_ALL = new RequestAuthorizer(undefined);
