import { createHash } from 'node:crypto';
import { ClusterClient, type ClusterClientOptions, type Credentials, type KafkaEndpoint } from './cluster-client.js';
import { RestError } from './errors.js';

/** How many users' connections are kept open at once; the least recently used is closed first. */
const MAX_USER_CLIENTS = 64;

/**
 * The cluster clients of the admin API: one shared client when the cluster's listener has no SASL,
 * else one per HTTP Basic user, who authenticates to the broker with SASL as themself so that the
 * broker's ACLs apply to them unchanged. Bounded: at most {@link MAX_USER_CLIENTS} users' clients
 * stay open.
 */
export class ClusterClients {
  private readonly shared: ClusterClient;
  /** In use order, least recent first (a Map keeps insertion order). */
  private readonly byUser = new Map<string, ClusterClient>();

  constructor(private readonly options: Omit<ClusterClientOptions, 'credentials'>) {
    this.shared = new ClusterClient(options);
  }

  /** The client for a request with this `Authorization` header; a 401 when SASL needs credentials and there are none. */
  forRequest(authorization: string | undefined): ClusterClient {
    let endpoint: KafkaEndpoint;
    try {
      endpoint = this.options.endpoint();
    } catch (error) {
      throw new RestError(503, 50302, `Broker not available: ${(error as Error).message}`);
    }
    if (endpoint.saslMechanism === undefined) return this.shared;
    const credentials = basicCredentials(authorization);
    if (!credentials) throw new RestError(401, 401, 'Unauthorized');
    const key = `${credentials.username}\0${createHash('sha256').update(credentials.password).digest('hex')}`;
    const client = this.byUser.get(key) ?? new ClusterClient({ ...this.options, credentials });
    this.byUser.delete(key);
    this.byUser.set(key, client);
    for (const [oldest, stale] of this.byUser) {
      if (this.byUser.size <= MAX_USER_CLIENTS) break;
      this.byUser.delete(oldest);
      stale.close();
    }
    return client;
  }

  close(): void {
    this.shared.close();
    for (const client of this.byUser.values()) client.close();
    this.byUser.clear();
  }
}

/** `Basic base64(user:password)` (RFC 7617) as credentials, or undefined. */
function basicCredentials(authorization: string | undefined): Credentials | undefined {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(authorization ?? '');
  if (!match) return undefined;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}
