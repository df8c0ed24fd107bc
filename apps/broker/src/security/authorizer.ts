import { ErrorCode } from '@strom/errors';
import {
  aclFilterMatches,
  AclOperation,
  AclPermissionType,
  normalizeHost,
  PatternType,
  ResourceType,
  validateAclBinding,
  validateAclBindingFilter,
  WILDCARD,
  WILDCARD_PRINCIPAL,
  type AclBinding,
  type AclBindingFilter,
} from './acl.js';

export type AuthorizationResult = 'ALLOWED' | 'DENIED';

export interface AuthorizerOptions {
  /** `super.users`: principals (`User:admin`) allowed everything, ACLs or not. */
  readonly superUsers?: Iterable<string>;
  /** `allow.everyone.if.no.acl.found`: the answer for a resource no ACL applies to. Default false. */
  readonly allowEveryoneIfNoAclFound?: boolean;
}

/** Result of one CreateAcls creation (structurally a CreateAclsResponse result). */
export interface AclCreateResult {
  readonly errorCode: ErrorCode;
  readonly errorMessage: string | null;
  /** Whether the binding was new (false for an error or a binding that already existed). */
  readonly added: boolean;
}

/** Result of one DeleteAcls filter. */
export interface AclDeleteResult {
  readonly errorCode: ErrorCode;
  readonly errorMessage: string | null;
  /** The bindings the filter matched, all removed. */
  readonly matchingAcls: AclBinding[];
}

/** A stored binding with its host in the form host matching compares. */
interface StoredAcl {
  readonly key: string;
  readonly binding: AclBinding;
  readonly normalizedHost: string;
}

/** The ACLs of one resource type: literal names, and prefixes with the set of their lengths. */
interface TypeIndex {
  readonly literal: Map<string, Map<string, StoredAcl>>;
  readonly prefixed: Map<string, Map<string, StoredAcl>>;
  /** How many prefixes of each length are stored: authorize probes only these lengths. */
  readonly prefixLengths: Map<number, number>;
}

/** Operations an ALLOW ACL implies DESCRIBE from. */
const IMPLIES_DESCRIBE: ReadonlySet<number> = new Set([
  AclOperation.DESCRIBE,
  AclOperation.READ,
  AclOperation.WRITE,
  AclOperation.DELETE,
  AclOperation.ALTER,
]);
/** Operations an ALLOW ACL implies DESCRIBE_CONFIGS from. */
const IMPLIES_DESCRIBE_CONFIGS: ReadonlySet<number> = new Set([AclOperation.DESCRIBE_CONFIGS, AclOperation.ALTER_CONFIGS]);

/**
 * ACL authorization with the semantics of Kafka's `StandardAuthorizer` (KRaft):
 * - super users are allowed everything;
 * - the ACLs that apply to a resource are the LITERAL ones with its exact name, the LITERAL `*`
 *   ones, and the PREFIXED ones whose name is a prefix of it;
 * - of those, an ACL matches when its principal is the caller or `User:*`, its host is `*` or the
 *   caller's address, and its operation is the action's or ALL, or, for ALLOW ACLs only, implies
 *   it (READ/WRITE/DELETE/ALTER imply DESCRIBE; ALTER_CONFIGS implies DESCRIBE_CONFIGS);
 * - any matching DENY → DENIED; else any matching ALLOW → ALLOWED; else DENIED if some ACL applies
 *   to the resource, and `allow.everyone.if.no.acl.found` if none does.
 *
 * ACLs are indexed by resource type, then literal name or prefix; a check costs a few map lookups
 * plus one per distinct stored prefix length, and scans only the ACLs of the matching patterns.
 * In memory only: the metadata store owns durability and feeds {@link addAcl} / {@link removeAcl}.
 */
export class StandardAuthorizer {
  private readonly superUsers: Set<string>;
  private readonly allowIfNoAcl: boolean;
  private readonly byType = new Map<number, TypeIndex>();
  private readonly all = new Map<string, StoredAcl>();

  constructor(options: AuthorizerOptions = {}) {
    this.superUsers = new Set(options.superUsers ?? []);
    this.allowIfNoAcl = options.allowEveryoneIfNoAclFound ?? false;
  }

  /** Number of stored ACLs. */
  get size(): number {
    return this.all.size;
  }

  isSuperUser(principal: string): boolean {
    return this.superUsers.has(principal);
  }

  /**
   * Whether `principal` (`User:alice`) connected from `host` (its IP address) may perform
   * `operation` on the resource `resourceType`/`resourceName` (a concrete name, not a pattern).
   */
  authorize(principal: string, host: string, operation: number, resourceType: number, resourceName: string): AuthorizationResult {
    if (this.superUsers.has(principal)) return 'ALLOWED';
    const index = this.byType.get(resourceType);
    if (index === undefined) return this.allowIfNoAcl ? 'ALLOWED' : 'DENIED';
    const clientHost = normalizeHost(host);
    let applies = false;
    let allowed = false;
    const check = (acls: Map<string, StoredAcl> | undefined): boolean => {
      if (acls === undefined || acls.size === 0) return false;
      applies = true;
      for (const acl of acls.values()) {
        const result = matchResult(acl, principal, clientHost, operation);
        if (result === 'DENIED') return true;
        if (result === 'ALLOWED') allowed = true;
      }
      return false;
    };
    if (check(index.literal.get(resourceName))) return 'DENIED';
    if (resourceName !== WILDCARD && check(index.literal.get(WILDCARD))) return 'DENIED';
    for (const length of index.prefixLengths.keys()) {
      if (length <= resourceName.length && check(index.prefixed.get(resourceName.slice(0, length)))) return 'DENIED';
    }
    if (allowed) return 'ALLOWED';
    if (applies) return 'DENIED';
    return this.allowIfNoAcl ? 'ALLOWED' : 'DENIED';
  }

  /**
   * Whether `principal` may perform `operation` on at least one resource of `resourceType`
   * (Kafka's `Authorizer.authorizeByResourceType`, e.g. InitProducerId's "WRITE on any topic"):
   * allowed if the check for an arbitrary name is (super users, `allow.everyone.if.no.acl.found`),
   * if an ALLOW ACL on the literal `*` applies, or if an ALLOW ACL on some pattern applies that no
   * applicable DENY ACL covers; a DENY on the literal `*` denies.
   */
  authorizeByResourceType(principal: string, host: string, operation: number, resourceType: number): AuthorizationResult {
    if (this.authorize(principal, host, operation, resourceType, 'hardcode') === 'ALLOWED') return 'ALLOWED';
    const index = this.byType.get(resourceType);
    if (index === undefined) return 'DENIED';
    const clientHost = normalizeHost(host);
    const deniedLiteral = new Set<string>();
    const deniedPrefixes = new Set<string>();
    const allowed: { name: string; literal: boolean }[] = [];
    let wildcardAllow = false;
    for (const [names, literal] of [
      [index.literal, true],
      [index.prefixed, false],
    ] as const) {
      for (const [name, acls] of names) {
        for (const acl of acls.values()) {
          const { binding } = acl;
          if (binding.host !== WILDCARD && acl.normalizedHost !== clientHost) continue;
          if (binding.principal !== principal && binding.principal !== WILDCARD_PRINCIPAL) continue;
          if (binding.operation !== operation && binding.operation !== AclOperation.ALL) continue;
          if (binding.permissionType === AclPermissionType.DENY) {
            if (literal && name === WILDCARD) return 'DENIED';
            (literal ? deniedLiteral : deniedPrefixes).add(name);
          } else if (binding.permissionType === AclPermissionType.ALLOW) {
            if (literal && name === WILDCARD) wildcardAllow = true;
            else allowed.push({ name, literal });
          }
        }
      }
    }
    if (wildcardAllow) return 'ALLOWED';
    for (const { name, literal } of allowed) {
      if (literal && deniedLiteral.has(name)) continue;
      let dominated = false;
      for (let length = 1; length <= name.length && !dominated; length++) dominated = deniedPrefixes.has(name.slice(0, length));
      if (!dominated) return 'ALLOWED';
    }
    return 'DENIED';
  }

  /**
   * CreateAcls: validates each binding (INVALID_REQUEST results for invalid ones) and stores the
   * valid ones. A binding that already exists succeeds without a duplicate, as in Kafka.
   */
  createAcls(bindings: readonly AclBinding[]): AclCreateResult[] {
    return bindings.map((binding) => {
      const error = validateAclBinding(binding);
      if (error) return { errorCode: error.errorCode, errorMessage: error.errorMessage, added: false };
      return { errorCode: ErrorCode.NONE, errorMessage: null, added: this.addAcl(binding) };
    });
  }

  /**
   * DeleteAcls: every filter is matched against the ACLs as they were before the request (an ACL
   * matched by two filters is listed by both), then all matches are removed.
   */
  deleteAcls(filters: readonly AclBindingFilter[]): AclDeleteResult[] {
    const results = filters.map((filter): AclDeleteResult => {
      const error = validateAclBindingFilter(filter);
      if (error) return { errorCode: error.errorCode, errorMessage: error.errorMessage, matchingAcls: [] };
      return { errorCode: ErrorCode.NONE, errorMessage: null, matchingAcls: this.acls(filter) };
    });
    for (const result of results) for (const binding of result.matchingAcls) this.removeAcl(binding);
    return results;
  }

  /** DescribeAcls: the stored bindings the filter matches (validate it first with {@link validateAclBindingFilter}). */
  acls(filter: AclBindingFilter): AclBinding[] {
    const out: AclBinding[] = [];
    for (const acl of this.candidates(filter)) if (aclFilterMatches(filter, acl.binding)) out.push(acl.binding);
    return out;
  }

  /** Stores a binding (e.g. replayed from the metadata store) without validation; false if it was there. */
  addAcl(binding: AclBinding): boolean {
    const key = aclKey(binding);
    if (this.all.has(key)) return false;
    const stored: StoredAcl = { key, binding: Object.freeze({ ...binding }), normalizedHost: normalizeHost(binding.host) };
    this.all.set(key, stored);
    const index = this.typeIndex(binding.resourceType, true);
    const names = binding.patternType === PatternType.PREFIXED ? index.prefixed : index.literal;
    let acls = names.get(binding.resourceName);
    if (acls === undefined) {
      acls = new Map();
      names.set(binding.resourceName, acls);
      if (binding.patternType === PatternType.PREFIXED) {
        const length = binding.resourceName.length;
        index.prefixLengths.set(length, (index.prefixLengths.get(length) ?? 0) + 1);
      }
    }
    acls.set(key, stored);
    return true;
  }

  /** Removes a binding; false if it was not stored. */
  removeAcl(binding: AclBinding): boolean {
    const key = aclKey(binding);
    if (!this.all.delete(key)) return false;
    const index = this.typeIndex(binding.resourceType, false)!;
    const prefixed = binding.patternType === PatternType.PREFIXED;
    const names = prefixed ? index.prefixed : index.literal;
    const acls = names.get(binding.resourceName)!;
    acls.delete(key);
    if (acls.size === 0) {
      names.delete(binding.resourceName);
      if (prefixed) {
        const length = binding.resourceName.length;
        const count = (index.prefixLengths.get(length) ?? 1) - 1;
        if (count === 0) index.prefixLengths.delete(length);
        else index.prefixLengths.set(length, count);
      }
      if (index.literal.size === 0 && index.prefixed.size === 0) this.byType.delete(binding.resourceType);
    }
    return true;
  }

  /** Every stored binding. */
  bindings(): AclBinding[] {
    return [...this.all.values()].map((acl) => acl.binding);
  }

  /** The stored ACLs a filter can match: narrowed by the index where the filter allows it. */
  private *candidates(filter: AclBindingFilter): Iterable<StoredAcl> {
    if (filter.resourceType === ResourceType.ANY) {
      yield* this.all.values();
      return;
    }
    const index = this.byType.get(filter.resourceType);
    if (index === undefined) return;
    if (filter.resourceName !== null && filter.patternType === PatternType.LITERAL) {
      yield* index.literal.get(filter.resourceName)?.values() ?? [];
      return;
    }
    if (filter.resourceName !== null && filter.patternType === PatternType.PREFIXED) {
      yield* index.prefixed.get(filter.resourceName)?.values() ?? [];
      return;
    }
    for (const acls of index.literal.values()) yield* acls.values();
    for (const acls of index.prefixed.values()) yield* acls.values();
  }

  private typeIndex(resourceType: number, create: true): TypeIndex;
  private typeIndex(resourceType: number, create: false): TypeIndex | undefined;
  private typeIndex(resourceType: number, create: boolean): TypeIndex | undefined {
    let index = this.byType.get(resourceType);
    if (index === undefined && create) {
      index = { literal: new Map(), prefixed: new Map(), prefixLengths: new Map() };
      this.byType.set(resourceType, index);
    }
    return index;
  }
}

/** StandardAuthorizerData.findResult: the ACL's verdict on the action, or undefined if it does not match. */
function matchResult(acl: StoredAcl, principal: string, clientHost: string, operation: number): AuthorizationResult | undefined {
  const { binding } = acl;
  if (binding.principal !== principal && binding.principal !== WILDCARD_PRINCIPAL) return undefined;
  if (binding.host !== WILDCARD && acl.normalizedHost !== clientHost) return undefined;
  const allow = binding.permissionType === AclPermissionType.ALLOW;
  if (binding.operation !== AclOperation.ALL) {
    if (allow && operation === AclOperation.DESCRIBE) {
      if (!IMPLIES_DESCRIBE.has(binding.operation)) return undefined;
    } else if (allow && operation === AclOperation.DESCRIBE_CONFIGS) {
      if (!IMPLIES_DESCRIBE_CONFIGS.has(binding.operation)) return undefined;
    } else if (binding.operation !== operation) {
      return undefined;
    }
  }
  return allow ? 'ALLOWED' : binding.permissionType === AclPermissionType.DENY ? 'DENIED' : undefined;
}

function aclKey(b: AclBinding): string {
  return JSON.stringify([b.resourceType, b.patternType, b.resourceName, b.principal, b.host, b.operation, b.permissionType]);
}
