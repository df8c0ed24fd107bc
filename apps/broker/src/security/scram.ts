import { createHash, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';
import {
  hmac,
  isScramMechanism,
  PRINTABLE_ONLY,
  SCRAM_GRAMMAR,
  SCRAM_MECHANISMS,
  scramSaslName,
  scramUsername,
  SERVER_FINAL,
  SERVER_FIRST,
  type ScramMechanism,
  type ScramMechanismInfo,
} from '@strom/kafka-client';
import { IllegalSaslStateError, SaslAuthenticationError, type SaslServerMechanism } from './sasl-mechanism.js';

/** What the broker stores per user and mechanism (Kafka's `ScramCredential`): never the password. */
export interface ScramCredential {
  readonly salt: Buffer;
  readonly storedKey: Buffer;
  readonly serverKey: Buffer;
  readonly iterations: number;
}

/** Looks up a user's credential for a mechanism; `undefined` for an unknown user. */
export type ScramCredentialLookup = (user: string, mechanism: ScramMechanism) => Promise<ScramCredential | undefined>;

/**
 * Why a credential's iteration count is unacceptable, as Kafka's controller answers
 * AlterUserScramCredentials (error UNACCEPTABLE_CREDENTIAL), or `undefined` when it is fine.
 */
export function scramIterationsProblem(mechanism: ScramMechanism, iterations: number): string | undefined {
  const info = SCRAM_MECHANISMS[mechanism];
  if (!Number.isSafeInteger(iterations) || iterations < info.minIterations) return 'Too few iterations';
  if (iterations > info.maxIterations) return 'Too many iterations';
  return undefined;
}

/**
 * The stored credential for a salted password (RFC 5802 §3): ClientKey = HMAC(SaltedPassword,
 * "Client Key"), StoredKey = H(ClientKey), ServerKey = HMAC(SaltedPassword, "Server Key").
 * AlterUserScramCredentials carries salt and SaltedPassword; this turns them into what is stored.
 * Throws RangeError for an unacceptable iteration count, an empty salt or a SaltedPassword of the
 * wrong length for the mechanism.
 */
export function scramCredentialFromSaltedPassword(
  saltedPassword: Buffer,
  salt: Buffer,
  iterations: number,
  mechanism: ScramMechanism,
): ScramCredential {
  const info = SCRAM_MECHANISMS[mechanism];
  const problem = scramIterationsProblem(mechanism, iterations);
  if (problem) throw new RangeError(`${problem} for ${mechanism}: ${iterations} (allowed ${info.minIterations}-${info.maxIterations})`);
  if (salt.length === 0) throw new RangeError('SCRAM salt must not be empty');
  if (saltedPassword.length !== info.digestBytes) {
    throw new RangeError(`SCRAM salted password for ${mechanism} must be ${info.digestBytes} bytes, got ${saltedPassword.length}`);
  }
  const clientKey = hmac(info, saltedPassword, 'Client Key');
  return {
    salt: Buffer.from(salt),
    storedKey: createHash(info.hash).update(clientKey).digest(),
    serverKey: hmac(info, saltedPassword, 'Server Key'),
    iterations,
  };
}

/**
 * A credential for a password: SaltedPassword = Hi(password, salt, iterations), which is
 * PBKDF2-HMAC with the mechanism's hash. Like Kafka, the password is used as its UTF-8 bytes
 * without SASLprep. The salt defaults to 32 random bytes.
 */
export function makeScramCredential(password: string, mechanism: ScramMechanism, iterations = 4096, salt?: Buffer): ScramCredential {
  const info = SCRAM_MECHANISMS[mechanism];
  const problem = scramIterationsProblem(mechanism, iterations);
  if (problem) throw new RangeError(`${problem} for ${mechanism}: ${iterations} (allowed ${info.minIterations}-${info.maxIterations})`);
  const actualSalt = salt ?? randomBytes(32);
  const saltedPassword = pbkdf2Sync(Buffer.from(password, 'utf8'), actualSalt, iterations, info.digestBytes, info.hash);
  return scramCredentialFromSaltedPassword(saltedPassword, actualSalt, iterations, mechanism);
}

// The SCRAM mechanisms, names and server-message grammar are shared with the client side (@strom/kafka-client).
export {
  hmac,
  isScramMechanism,
  SCRAM_MECHANISMS,
  scramSaslName,
  scramUsername,
  SERVER_FINAL,
  SERVER_FIRST,
  type ScramMechanism,
  type ScramMechanismInfo,
};

const { VALUE, PRINTABLE, SASLNAME, BASE64, EXTENSIONS } = SCRAM_GRAMMAR;

/**
 * gs2-header, then client-first-message-bare: `[m=…,]n=saslname,r=nonce[,ext=value…]`. The gs2
 * flag may be `n` (client does not support channel binding) or `y` (client does, but thinks the
 * server does not: right, as no -PLUS mechanism is offered); `p=` (channel binding required) is
 * refused.
 */
const CLIENT_FIRST = new RegExp(
  `^(?<gs2>(?<flag>[ny]),(?:a=(?<authzid>${SASLNAME}))?,)(?<bare>(?:m=${VALUE},)?n=(?<saslname>${SASLNAME}),r=(?<nonce>${PRINTABLE})(?<extensions>${EXTENSIONS}))$`,
);
/** channel-binding `,` nonce [`,` extensions] `,` proof. */
const CLIENT_FINAL = new RegExp(`^(?<withoutProof>c=(?<channel>${BASE64}),r=(?<nonce>${PRINTABLE})${EXTENSIONS}),p=(?<proof>${BASE64})$`);

/** A parsed client-first message. */
export interface ScramClientFirst {
  /** The gs2 header exactly as sent (`n,,` or `n,a=user,`): client-final's `c=` must be its base64. */
  readonly gs2Header: string;
  /** The authorization id from `a=`, unescaped; empty when absent. */
  readonly authorizationId: string;
  readonly username: string;
  readonly nonce: string;
  /** Extensions (`tokenauth=true`, …) as Kafka's ScramExtensions parses them. */
  readonly extensions: ReadonlyMap<string, string>;
  /** client-first-message-bare exactly as sent, for the AuthMessage. */
  readonly bare: string;
}

/** Parses a client-first message, or throws a (generic) {@link SaslAuthenticationError}. */
export function parseScramClientFirst(token: Buffer): ScramClientFirst {
  // Every byte the grammar accepts is ASCII, so latin1 keeps bytes and characters one to one.
  const message = token.toString('latin1');
  if (message.startsWith('p=')) throw new SaslAuthenticationError('SCRAM channel binding (gs2 flag p) is not supported');
  const groups = CLIENT_FIRST.exec(message)?.groups;
  if (!groups) throw new SaslAuthenticationError(`Invalid SCRAM client first message format: ${truncate(message)}`);
  const extensions = new Map<string, string>();
  for (const pair of (groups.extensions ?? '').split(',').slice(1)) {
    const eq = pair.indexOf('=');
    extensions.set(pair.slice(0, eq), pair.slice(eq + 1));
  }
  return {
    gs2Header: groups.gs2!,
    authorizationId: groups.authzid === undefined ? '' : scramUsername(groups.authzid),
    username: scramUsername(groups.saslname!),
    nonce: groups.nonce!,
    extensions,
    bare: groups.bare!,
  };
}

export interface ScramSaslServerOptions {
  readonly mechanism: ScramMechanism;
  readonly lookupCredential: ScramCredentialLookup;
  /** The server's part of the nonce; 24 random bytes in base64url by default. Tests inject RFC vectors. */
  readonly serverNonce?: () => string;
  /** Key that derives the stand-in credential of an unknown user; a per-process random key by default. */
  readonly fakeCredentialKey?: Buffer;
}

const PROCESS_FAKE_CREDENTIAL_KEY = randomBytes(32);

type ScramState = 'client-first' | 'lookup' | 'client-final' | 'complete' | 'failed';

/**
 * SCRAM-SHA-256 / SCRAM-SHA-512 server (RFC 5802, RFC 7677) with the behaviour of Kafka's
 * `ScramSaslServer`: two client tokens (client-first, client-final), two server tokens
 * (server-first, server-final `v=ServerSignature`).
 *
 * An unknown user is not turned away at client-first: the exchange goes on with a stand-in
 * credential (salt derived from the user name with a secret key, so it is stable across attempts;
 * the mechanism's minimum iterations) and fails at the proof like a wrong password would.
 */
export class ScramSaslServer implements SaslServerMechanism {
  readonly mechanism: ScramMechanism;
  private readonly info: ScramMechanismInfo;
  private state: ScramState = 'client-first';
  private user: string | undefined;
  private clientFirst: ScramClientFirst | undefined;
  private serverFirst: string | undefined;
  private combinedNonce: string | undefined;
  private credential: ScramCredential | undefined;
  private unknownUser = false;

  constructor(private readonly options: ScramSaslServerOptions) {
    this.mechanism = options.mechanism;
    this.info = SCRAM_MECHANISMS[options.mechanism];
  }

  get complete(): boolean {
    return this.state === 'complete';
  }

  get authorizationId(): string | undefined {
    return this.state === 'complete' ? this.user : undefined;
  }

  async evaluate(token: Buffer): Promise<Buffer> {
    try {
      switch (this.state) {
        case 'client-first':
          return await this.receiveClientFirst(token);
        case 'client-final':
          return this.receiveClientFinal(token);
        default:
          throw new IllegalSaslStateError(`Unexpected challenge in Sasl server state ${this.state.toUpperCase()}`);
      }
    } catch (error) {
      this.clear();
      this.state = 'failed';
      throw error;
    }
  }

  private async receiveClientFirst(token: Buffer): Promise<Buffer> {
    const first = parseScramClientFirst(token);
    // Kafka's ScramExtensions: tokenauth=true asks for delegation-token authentication.
    if (first.extensions.get('tokenauth')?.toLowerCase() === 'true') {
      throw new SaslAuthenticationError(`Token Authentication failed: delegation tokens are not supported (tokenId ${first.username})`);
    }
    // Claim the state before the first await: a second token while the lookup runs is out of order.
    this.state = 'lookup';
    let credential: ScramCredential | undefined;
    try {
      credential = await this.options.lookupCredential(first.username, this.mechanism);
    } catch (error) {
      throw new SaslAuthenticationError('Authentication failed: Credentials could not be obtained', { cause: error });
    }
    if (first.authorizationId !== '' && first.authorizationId !== first.username) {
      throw new SaslAuthenticationError('Authentication failed: Client requested an authorization id that is different from username', {
        clientVisible: true,
      });
    }
    if (credential === undefined) {
      this.unknownUser = true;
      credential = this.fakeCredential(first.username);
    } else {
      if (credential.iterations < this.info.minIterations || !Number.isSafeInteger(credential.iterations)) {
        throw new SaslAuthenticationError(
          `Iterations ${credential.iterations} is less than the minimum ${this.info.minIterations} for ${this.mechanism}`,
        );
      }
      if (
        credential.salt.length === 0 ||
        credential.storedKey.length !== this.info.digestBytes ||
        credential.serverKey.length !== this.info.digestBytes
      ) {
        throw new SaslAuthenticationError(`Authentication failed: stored ${this.mechanism} credential of ${first.username} is malformed`);
      }
    }
    const serverNonce = this.options.serverNonce?.() ?? randomBytes(24).toString('base64url');
    if (!PRINTABLE_ONLY.test(serverNonce)) throw new Error(`SCRAM server nonce must be printable ASCII without ',': ${serverNonce}`);
    this.user = first.username;
    this.clientFirst = first;
    this.credential = credential;
    this.combinedNonce = first.nonce + serverNonce;
    this.serverFirst = `r=${this.combinedNonce},s=${credential.salt.toString('base64')},i=${credential.iterations}`;
    this.state = 'client-final';
    return Buffer.from(this.serverFirst, 'latin1');
  }

  private receiveClientFinal(token: Buffer): Buffer {
    const message = token.toString('latin1');
    const groups = CLIENT_FINAL.exec(message)?.groups;
    if (!groups) throw new SaslAuthenticationError(`Invalid SCRAM client final message format: ${truncate(message)}`);
    const clientFirst = this.clientFirst!;
    const credential = this.credential!;
    // Kafka's ScramSaslServer checks only that the nonce ends with the server-first nonce; librdkafka
    // 2.0.x sends the client nonce twice (r=<client nonce><client nonce><server nonce>) and Kafka accepts it.
    if (!groups.nonce!.endsWith(this.combinedNonce!)) {
      throw new SaslAuthenticationError('Invalid client nonce in the final client message.');
    }
    // RFC 5802 §5.1: c= is base64(gs2-header), with no channel-binding data as none was negotiated.
    if (!Buffer.from(groups.channel!, 'base64').equals(Buffer.from(clientFirst.gs2Header, 'latin1'))) {
      throw new SaslAuthenticationError('Invalid channel binding in the final client message.');
    }
    const proof = Buffer.from(groups.proof!, 'base64');
    const authMessage = `${clientFirst.bare},${this.serverFirst!},${groups.withoutProof!}`;
    if (proof.length !== this.info.digestBytes) throw new SaslAuthenticationError('Invalid client credentials');
    const clientSignature = hmac(this.info, credential.storedKey, authMessage);
    const clientKey = Buffer.alloc(proof.length);
    for (let i = 0; i < proof.length; i++) clientKey[i] = proof[i]! ^ clientSignature[i]!;
    const computedStoredKey = createHash(this.info.hash).update(clientKey).digest();
    const proofMatches = timingSafeEqual(computedStoredKey, credential.storedKey);
    if (!proofMatches || this.unknownUser) {
      throw new SaslAuthenticationError(this.unknownUser ? 'Invalid client credentials (unknown user)' : 'Invalid client credentials');
    }
    const serverSignature = hmac(this.info, credential.serverKey, authMessage);
    this.clear();
    this.state = 'complete';
    return Buffer.from(`v=${serverSignature.toString('base64')}`, 'latin1');
  }

  /** A stable, unusable credential for a user that does not exist. */
  private fakeCredential(user: string): ScramCredential {
    const key = this.options.fakeCredentialKey ?? PROCESS_FAKE_CREDENTIAL_KEY;
    const derive = (label: string) => createHmac(this.info.hash, key).update(`${this.mechanism}\0${label}\0${user}`, 'utf8').digest();
    return {
      salt: derive('salt').subarray(0, 32),
      storedKey: derive('stored'),
      serverKey: derive('server'),
      iterations: this.info.minIterations,
    };
  }

  private clear(): void {
    this.clientFirst = undefined;
    this.serverFirst = undefined;
    this.credential = undefined;
  }
}

function truncate(text: string): string {
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}
