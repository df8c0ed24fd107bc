import { createHash, timingSafeEqual } from 'node:crypto';
import { IllegalSaslStateError, SaslAuthenticationError, type SaslServerMechanism } from './sasl-mechanism.js';

/** Checks a PLAIN user name and password (Kafka's `PlainAuthenticateCallback`). */
export type PlainVerifier = (user: string, password: string) => Promise<boolean>;

/**
 * SASL/PLAIN server (RFC 4616) with the behaviour of Kafka's `PlainSaslServer`: one client token
 * `[authzid] NUL authcid NUL passwd` (UTF-8), an empty server token on success. An authzid other
 * than the user name is refused, as Kafka does.
 */
export class PlainSaslServer implements SaslServerMechanism {
  readonly mechanism = 'PLAIN';
  private state: 'initial' | 'verifying' | 'complete' | 'failed' = 'initial';
  private user: string | undefined;

  constructor(private readonly verifyPlain: PlainVerifier) {}

  get complete(): boolean {
    return this.state === 'complete';
  }

  get authorizationId(): string | undefined {
    return this.state === 'complete' ? this.user : undefined;
  }

  async evaluate(token: Buffer): Promise<Buffer> {
    if (this.state !== 'initial') throw new IllegalSaslStateError(`Unexpected SASL/PLAIN token in state ${this.state.toUpperCase()}`);
    this.state = 'verifying';
    try {
      const user = await this.verify(token);
      this.user = user;
      this.state = 'complete';
      return Buffer.alloc(0);
    } catch (error) {
      this.state = 'failed';
      throw error;
    }
  }

  private async verify(token: Buffer): Promise<string> {
    const tokens = token.toString('utf8').split('\0');
    if (tokens.length !== 3) throw new SaslAuthenticationError(`Invalid SASL/PLAIN response: expected 3 tokens, got ${tokens.length}`);
    const [authorizationId, user, password] = tokens as [string, string, string];
    if (user === '') throw new SaslAuthenticationError('Authentication failed: username not specified');
    if (password === '') throw new SaslAuthenticationError('Authentication failed: password not specified');
    let authenticated: boolean;
    try {
      authenticated = await this.verifyPlain(user, password);
    } catch (error) {
      throw new SaslAuthenticationError('Authentication failed: credentials for user could not be verified', {
        clientVisible: true,
        cause: error,
      });
    }
    if (authenticated !== true)
      throw new SaslAuthenticationError('Authentication failed: Invalid username or password', { clientVisible: true });
    if (authorizationId !== '' && authorizationId !== user) {
      throw new SaslAuthenticationError('Authentication failed: Client requested an authorization id that is different from username', {
        clientVisible: true,
      });
    }
    return user;
  }
}

/**
 * A {@link PlainVerifier} over a fixed user → password table, like Kafka's JAAS
 * `user_<name>="<password>"` entries. Compares SHA-256 digests in constant time, so neither the
 * length nor the content of a wrong password shows in the timing; an unknown user costs the same.
 */
export function staticPlainVerifier(users: ReadonlyMap<string, string> | Readonly<Record<string, string>>): PlainVerifier {
  const digests = new Map<string, Buffer>();
  const entries = users instanceof Map ? [...users.entries()] : Object.entries(users);
  for (const [user, password] of entries) digests.set(user, sha256(password));
  const nobody = sha256('\0unknown user\0');
  return async (user, password) => {
    const expected = digests.get(user);
    const matches = timingSafeEqual(sha256(password), expected ?? nobody);
    return matches && expected !== undefined;
  };
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}
