import { requestJson, subscribeJson, type Bus, type Subscription } from '@strom/bus';
import {
  MetadataSubjects,
  type AclBindingInfo,
  type AlterScramCredentialsCommand,
  type AlterScramCredentialsReply,
  type DeleteAclsReply,
  type DescribeScramCredentialsReply,
  type ListAclsReply,
  type ScramCredentialLookupReply,
  type SecurityChangedEvent,
  aclBindingInfo,
} from '@strom/contracts';
import type { Logger } from '@strom/runtime';
import type { AclBinding } from './acl.js';
import type { StandardAuthorizer } from './authorizer.js';
import type { ScramCredential, ScramMechanism } from './scram.js';

export interface SecurityMetadataOptions {
  /** Timeout of bus requests to the metadata service. */
  requestTimeoutMs: number;
  /** How long a looked-up SCRAM credential (or its absence) is reused. Default 5 s. */
  scramCacheTtlMs?: number;
  /** Bound on cached SCRAM lookups. Default 1000. */
  scramCacheMaxEntries?: number;
}

interface CachedCredential {
  readonly expiresAtMs: number;
  readonly credential: Promise<ScramCredential | undefined>;
}

/**
 * The broker's side of the metadata service for security data: SCRAM credential lookups (cached
 * briefly, bounded, dropped when the metadata service announces a change of the user) and
 * changes, and the ACLs, replayed into the broker's {@link StandardAuthorizer} at start and after
 * every change (`strom.metadata.security.changed`).
 */
export class SecurityMetadataClient {
  private readonly scramCache = new Map<string, CachedCredential>();
  private readonly ttlMs: number;
  private readonly maxEntries: number;
  private subscription?: Subscription;
  private loading?: Promise<void>;
  private loadAgain = false;

  constructor(
    private readonly bus: Bus,
    private readonly authorizer: StandardAuthorizer | undefined,
    private readonly options: SecurityMetadataOptions,
    private readonly logger: Logger,
  ) {
    this.ttlMs = options.scramCacheTtlMs ?? 5_000;
    this.maxEntries = options.scramCacheMaxEntries ?? 1_000;
  }

  /** Subscribes to changes and loads the ACLs (when there is an authorizer). */
  async start(): Promise<void> {
    this.subscription = subscribeJson<SecurityChangedEvent>(this.bus, MetadataSubjects.securityChanged, (event) => {
      for (const user of event.scramUsers) this.forgetScram(user);
      if (event.acls) void this.reloadAcls();
    });
    await this.subscription.ready;
    if (this.authorizer) await this.reloadAcls(true);
  }

  async stop(): Promise<void> {
    await this.subscription?.unsubscribe();
    await this.loading?.catch(() => undefined);
  }

  /** The stored SCRAM credential of a user, `undefined` for none. */
  lookupScram(user: string, mechanism: ScramMechanism): Promise<ScramCredential | undefined> {
    const key = `${mechanism}\0${user}`;
    const now = Date.now();
    const cached = this.scramCache.get(key);
    if (cached && cached.expiresAtMs > now) return cached.credential;
    if (cached) this.scramCache.delete(key);
    const credential = requestJson<ScramCredentialLookupReply>(
      this.bus,
      MetadataSubjects.scramLookup,
      { user, mechanism },
      { timeoutMs: this.options.requestTimeoutMs },
    ).then(({ credential: found }) =>
      found === null
        ? undefined
        : {
            salt: Buffer.from(found.salt, 'base64'),
            storedKey: Buffer.from(found.storedKey, 'base64'),
            serverKey: Buffer.from(found.serverKey, 'base64'),
            iterations: found.iterations,
          },
    );
    // A failed lookup is not cached.
    credential.catch(() => this.scramCache.delete(key));
    while (this.scramCache.size >= this.maxEntries) {
      const oldest = this.scramCache.keys().next();
      if (oldest.done) break;
      this.scramCache.delete(oldest.value);
    }
    this.scramCache.set(key, { expiresAtMs: now + this.ttlMs, credential });
    return credential;
  }

  async describeScram(users: string[] | null): Promise<DescribeScramCredentialsReply['credentials']> {
    const reply = await requestJson<DescribeScramCredentialsReply>(
      this.bus,
      MetadataSubjects.scramDescribe,
      { users },
      { timeoutMs: this.options.requestTimeoutMs },
    );
    return reply.credentials;
  }

  async alterScram(command: AlterScramCredentialsCommand): Promise<AlterScramCredentialsReply> {
    const reply = await requestJson<AlterScramCredentialsReply>(this.bus, MetadataSubjects.scramAlter, command, {
      timeoutMs: this.options.requestTimeoutMs,
    });
    for (const change of [...command.deletions, ...command.upsertions]) this.forgetScram(change.user);
    return reply;
  }

  /** Stores bindings, then has the authorizer hold them before resolving. */
  async createAcls(bindings: AclBinding[]): Promise<void> {
    if (bindings.length === 0) return;
    await requestJson(
      this.bus,
      MetadataSubjects.aclsCreate,
      { acls: bindings.map(aclBindingInfo) },
      { timeoutMs: this.options.requestTimeoutMs },
    );
    await this.reloadAcls(true);
  }

  /** Deletes exact bindings; resolves with those that were stored, once the authorizer forgot them. */
  async deleteAcls(bindings: AclBinding[]): Promise<AclBinding[]> {
    if (bindings.length === 0) return [];
    const reply = await requestJson<DeleteAclsReply>(
      this.bus,
      MetadataSubjects.aclsDelete,
      { acls: bindings.map(aclBindingInfo) },
      { timeoutMs: this.options.requestTimeoutMs },
    );
    await this.reloadAcls(true);
    return reply.deleted;
  }

  /**
   * Replaces the authorizer's ACLs with the stored ones. Concurrent calls coalesce into at most
   * one more load; `rethrow` makes a failure the caller's (at start, after a change by this broker).
   */
  reloadAcls(rethrow = false): Promise<void> {
    const authorizer = this.authorizer;
    if (!authorizer) return Promise.resolve();
    if (this.loading) {
      this.loadAgain = true;
      return this.loading;
    }
    const loading = (async () => {
      try {
        do {
          this.loadAgain = false;
          const reply = await requestJson<ListAclsReply>(
            this.bus,
            MetadataSubjects.aclsList,
            {},
            { timeoutMs: this.options.requestTimeoutMs },
          );
          replaceAcls(authorizer, reply.acls);
        } while (this.loadAgain);
      } finally {
        this.loading = undefined;
      }
    })();
    this.loading = loading;
    return rethrow
      ? loading
      : loading.catch((error: unknown) => this.logger.warn({ err: error }, 'could not load ACLs from the metadata service'));
  }

  private forgetScram(user: string): void {
    for (const mechanism of ['SCRAM-SHA-256', 'SCRAM-SHA-512']) this.scramCache.delete(`${mechanism}\0${user}`);
  }
}

/** Makes the authorizer hold exactly `stored`: adds what is new, removes what is gone. */
function replaceAcls(authorizer: StandardAuthorizer, stored: AclBindingInfo[]): void {
  const wanted = new Map(stored.map((binding) => [aclKey(binding), binding]));
  for (const binding of authorizer.bindings()) {
    if (!wanted.delete(aclKey(binding))) authorizer.removeAcl(binding);
  }
  for (const binding of wanted.values()) authorizer.addAcl(binding);
}

function aclKey(b: AclBinding): string {
  return JSON.stringify([b.resourceType, b.patternType, b.resourceName, b.principal, b.host, b.operation, b.permissionType]);
}
