import { isIPv4, isIPv6 } from 'node:net';
import { ErrorCode } from '@strom/errors';

/** Kafka's `ResourceType` codes. UNKNOWN and ANY appear only in filters (ANY) or not at all. */
export const ResourceType = Object.freeze({
  UNKNOWN: 0,
  ANY: 1,
  TOPIC: 2,
  GROUP: 3,
  CLUSTER: 4,
  TRANSACTIONAL_ID: 5,
  DELEGATION_TOKEN: 6,
  USER: 7,
} as const);

/** Kafka's `PatternType` codes: LITERAL and PREFIXED in bindings, ANY and MATCH only in filters. */
export const PatternType = Object.freeze({ UNKNOWN: 0, ANY: 1, MATCH: 2, LITERAL: 3, PREFIXED: 4 } as const);

/** Kafka's `AclOperation` codes. ANY only in filters. */
export const AclOperation = Object.freeze({
  UNKNOWN: 0,
  ANY: 1,
  ALL: 2,
  READ: 3,
  WRITE: 4,
  CREATE: 5,
  DELETE: 6,
  ALTER: 7,
  DESCRIBE: 8,
  CLUSTER_ACTION: 9,
  DESCRIBE_CONFIGS: 10,
  ALTER_CONFIGS: 11,
  IDEMPOTENT_WRITE: 12,
  CREATE_TOKENS: 13,
  DESCRIBE_TOKENS: 14,
  TWO_PHASE_COMMIT: 15,
} as const);

/** Kafka's `AclPermissionType` codes. ANY only in filters. */
export const AclPermissionType = Object.freeze({ UNKNOWN: 0, ANY: 1, DENY: 2, ALLOW: 3 } as const);

/** The resource name matching every resource of a type (LITERAL pattern), and the host matching every host. */
export const WILDCARD = '*';
/** The principal matching every user. */
export const WILDCARD_PRINCIPAL = 'User:*';
/** The only valid name of the CLUSTER resource. */
export const CLUSTER_NAME = 'kafka-cluster';

/** One ACL (Kafka's `AclBinding`: a `ResourcePattern` and an `AccessControlEntry`). */
export interface AclBinding {
  readonly resourceType: number;
  readonly resourceName: string;
  readonly patternType: number;
  /** `User:alice`, or `User:*` for everyone. */
  readonly principal: string;
  /** `*` or one IP address. */
  readonly host: string;
  readonly operation: number;
  readonly permissionType: number;
}

/** Kafka's `AclBindingFilter`: `null` strings and ANY codes match anything; pattern type MATCH matches as authorization would. */
export interface AclBindingFilter {
  readonly resourceType: number;
  readonly resourceName: string | null;
  readonly patternType: number;
  readonly principal: string | null;
  readonly host: string | null;
  readonly operation: number;
  readonly permissionType: number;
}

/** An error for one binding or filter, as CreateAcls / DeleteAcls results carry it. */
export interface AclApiError {
  readonly errorCode: ErrorCode;
  readonly errorMessage: string;
}

const RESOURCE_TYPE_NAMES = invert(ResourceType);
const PATTERN_TYPE_NAMES = invert(PatternType);
const OPERATION_NAMES = invert(AclOperation);
const PERMISSION_TYPE_NAMES = invert(AclPermissionType);

/** Name of a code as Kafka's enums print it (`TOPIC`, `PREFIXED`, …); codes Kafka does not know are UNKNOWN. */
export const resourceTypeName = (code: number): string => RESOURCE_TYPE_NAMES.get(code) ?? 'UNKNOWN';
export const patternTypeName = (code: number): string => PATTERN_TYPE_NAMES.get(code) ?? 'UNKNOWN';
export const operationName = (code: number): string => OPERATION_NAMES.get(code) ?? 'UNKNOWN';
export const permissionTypeName = (code: number): string => PERMISSION_TYPE_NAMES.get(code) ?? 'UNKNOWN';

/**
 * Why CreateAcls must refuse a binding, or `undefined` if it is valid: Kafka's broker checks
 * (`AclApis.handleCreateAcls`) then the controller's (`AclControlManager.validateNewAcl`), all
 * INVALID_REQUEST. A principal must also have the `Type:name` form (StandardAcl cannot parse
 * anything else).
 */
export function validateAclBinding(binding: AclBinding): AclApiError | undefined {
  if (binding.resourceType === ResourceType.CLUSTER && binding.resourceName !== CLUSTER_NAME) {
    return invalid(`The only valid name for the CLUSTER resource is ${CLUSTER_NAME}`);
  }
  if (binding.resourceName === '') return invalid('Invalid empty resource name');
  const resourceType = resourceTypeName(binding.resourceType);
  if (resourceType === 'UNKNOWN' || resourceType === 'ANY') return invalid(`Invalid resourceType ${resourceType}`);
  if (binding.patternType !== PatternType.LITERAL && binding.patternType !== PatternType.PREFIXED) {
    return invalid(`Invalid patternType ${patternTypeName(binding.patternType)}`);
  }
  const operation = operationName(binding.operation);
  if (operation === 'UNKNOWN' || operation === 'ANY') return invalid(`Invalid operation ${operation}`);
  if (binding.permissionType !== AclPermissionType.ALLOW && binding.permissionType !== AclPermissionType.DENY) {
    return invalid(`Invalid permissionType ${permissionTypeName(binding.permissionType)}`);
  }
  if (principalParts(binding.principal) === undefined) {
    return invalid(`Could not parse principal from \`${binding.principal}\` (expected a string in format principalType:principalName)`);
  }
  if (binding.host === '') return invalid('Invalid empty host');
  return undefined;
}

/** Why DescribeAcls / DeleteAcls must refuse a filter (Kafka's `AclControlManager.validateFilter`), or `undefined`. */
export function validateAclBindingFilter(filter: AclBindingFilter): AclApiError | undefined {
  if (resourceTypeName(filter.resourceType) === 'UNKNOWN' || patternTypeName(filter.patternType) === 'UNKNOWN') {
    return invalid('Unknown patternFilter.');
  }
  if (operationName(filter.operation) === 'UNKNOWN' || permissionTypeName(filter.permissionType) === 'UNKNOWN') {
    return invalid('Unknown entryFilter.');
  }
  return undefined;
}

/** Kafka's `ResourcePatternFilter.matches`. */
export function resourcePatternFilterMatches(
  filter: Pick<AclBindingFilter, 'resourceType' | 'resourceName' | 'patternType'>,
  pattern: Pick<AclBinding, 'resourceType' | 'resourceName' | 'patternType'>,
): boolean {
  if (filter.resourceType !== ResourceType.ANY && filter.resourceType !== pattern.resourceType) return false;
  if (filter.patternType !== PatternType.ANY && filter.patternType !== PatternType.MATCH && filter.patternType !== pattern.patternType) {
    return false;
  }
  if (filter.resourceName === null) return true;
  if (filter.patternType === PatternType.ANY || filter.patternType === pattern.patternType)
    return filter.resourceName === pattern.resourceName;
  // MATCH: the patterns that would apply to a resource of that name.
  switch (pattern.patternType) {
    case PatternType.LITERAL:
      return filter.resourceName === pattern.resourceName || pattern.resourceName === WILDCARD;
    case PatternType.PREFIXED:
      return filter.resourceName.startsWith(pattern.resourceName);
    default:
      return false;
  }
}

/** Kafka's `AccessControlEntryFilter.matches`. */
export function entryFilterMatches(
  filter: Pick<AclBindingFilter, 'principal' | 'host' | 'operation' | 'permissionType'>,
  entry: Pick<AclBinding, 'principal' | 'host' | 'operation' | 'permissionType'>,
): boolean {
  if (filter.principal !== null && filter.principal !== entry.principal) return false;
  if (filter.host !== null && filter.host !== entry.host) return false;
  if (filter.operation !== AclOperation.ANY && filter.operation !== entry.operation) return false;
  return filter.permissionType === AclPermissionType.ANY || filter.permissionType === entry.permissionType;
}

/** Kafka's `AclBindingFilter.matches`. */
export function aclFilterMatches(filter: AclBindingFilter, binding: AclBinding): boolean {
  return resourcePatternFilterMatches(filter, binding) && entryFilterMatches(filter, binding);
}

/** The filter matching everything (Kafka's `AclBindingFilter.ANY`). */
export const ANY_ACL_FILTER: AclBindingFilter = Object.freeze({
  resourceType: ResourceType.ANY,
  resourceName: null,
  patternType: PatternType.ANY,
  principal: null,
  host: null,
  operation: AclOperation.ANY,
  permissionType: AclPermissionType.ANY,
});

/** `Type:name` split at the first colon (Kafka's principal parsing), or `undefined` without a colon. */
export function principalParts(principal: string): { type: string; name: string } | undefined {
  const colon = principal.indexOf(':');
  if (colon <= 0) return undefined;
  return { type: principal.slice(0, colon), name: principal.slice(colon + 1) };
}

/**
 * The form of an address that host ACLs are compared in: an IPv4-mapped IPv6 address is its IPv4
 * address; IPv6 is written as Java's `InetAddress.getHostAddress` writes it (eight groups, lower
 * case, no leading zeros, no `::`), so `::1` and `0:0:0:0:0:0:0:1` are the same host. Anything
 * else (a host name, `*`) is kept. A zone index (`%eth0`) is kept as given.
 */
export function normalizeHost(host: string): string {
  const percent = host.indexOf('%');
  const address = percent < 0 ? host : host.slice(0, percent);
  const zone = percent < 0 ? '' : host.slice(percent);
  if (!isIPv6(address)) return host;
  const groups = expandIPv6(address);
  if (groups === undefined) return host;
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff && zone === '') {
    return [groups[6]! >> 8, groups[6]! & 0xff, groups[7]! >> 8, groups[7]! & 0xff].join('.');
  }
  return groups.map((g) => g.toString(16)).join(':') + zone;
}

function expandIPv6(address: string): number[] | undefined {
  const parseSide = (side: string): number[] | undefined => {
    if (side === '') return [];
    const out: number[] = [];
    for (const part of side.split(':')) {
      if (isIPv4(part)) {
        const [a, b, c, d] = part.split('.').map(Number) as [number, number, number, number];
        out.push((a << 8) | b, (c << 8) | d);
      } else {
        out.push(Number.parseInt(part, 16));
      }
    }
    return out;
  };
  const halves = address.split('::');
  const head = parseSide(halves[0] ?? '');
  const tail = halves.length > 1 ? parseSide(halves[1] ?? '') : [];
  if (head === undefined || tail === undefined) return undefined;
  const missing = 8 - head.length - tail.length;
  if (missing < 0 || (halves.length === 1 && missing !== 0)) return undefined;
  return [...head, ...new Array<number>(missing).fill(0), ...tail];
}

/** A CreateAcls request creation (`resourcePatternType`) as an {@link AclBinding}. */
export function aclBindingFromCreation(creation: {
  resourceType: number;
  resourceName: string;
  resourcePatternType: number;
  principal: string;
  host: string;
  operation: number;
  permissionType: number;
}): AclBinding {
  return {
    resourceType: creation.resourceType,
    resourceName: creation.resourceName,
    patternType: creation.resourcePatternType,
    principal: creation.principal,
    host: creation.host,
    operation: creation.operation,
    permissionType: creation.permissionType,
  };
}

/** A DescribeAcls request, or a DeleteAcls filter (`…Filter` fields), as an {@link AclBindingFilter}. */
export function aclFilterFromRequest(request: {
  resourceTypeFilter: number;
  resourceNameFilter: string | null;
  patternTypeFilter: number;
  principalFilter: string | null;
  hostFilter: string | null;
  operation: number;
  permissionType: number;
}): AclBindingFilter {
  return {
    resourceType: request.resourceTypeFilter,
    resourceName: request.resourceNameFilter,
    patternType: request.patternTypeFilter,
    principal: request.principalFilter,
    host: request.hostFilter,
    operation: request.operation,
    permissionType: request.permissionType,
  };
}

/** Bindings grouped by resource pattern, in the shape of DescribeAclsResponse `resources` (Kafka's `DescribeAclsResponse.aclsResources`). */
export function describeAclsResources(bindings: Iterable<AclBinding>): {
  resourceType: number;
  resourceName: string;
  patternType: number;
  acls: { principal: string; host: string; operation: number; permissionType: number }[];
}[] {
  const byPattern = new Map<
    string,
    {
      resourceType: number;
      resourceName: string;
      patternType: number;
      acls: { principal: string; host: string; operation: number; permissionType: number }[];
    }
  >();
  for (const b of bindings) {
    const key = `${b.resourceType}\0${b.patternType}\0${b.resourceName}`;
    let resource = byPattern.get(key);
    if (!resource) {
      resource = { resourceType: b.resourceType, resourceName: b.resourceName, patternType: b.patternType, acls: [] };
      byPattern.set(key, resource);
    }
    resource.acls.push({ principal: b.principal, host: b.host, operation: b.operation, permissionType: b.permissionType });
  }
  return [...byPattern.values()];
}

function invalid(errorMessage: string): AclApiError {
  return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage };
}

function invert(table: Readonly<Record<string, number>>): Map<number, string> {
  return new Map(Object.entries(table).map(([name, code]) => [code, name]));
}
