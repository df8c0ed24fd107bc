import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { SaslClientError, type SaslClientCredentials, type SaslClientMechanism } from './sasl-client-mechanism.js';
import {
  hmac,
  SCRAM_MECHANISMS,
  scramSaltedPassword,
  scramSaslName,
  SERVER_FINAL,
  SERVER_FIRST,
  type ScramMechanism,
  type ScramMechanismInfo,
} from './scram-mechanism.js';

/** `n,,`: no channel binding, no authorization id (Kafka's ScramSaslClient sends exactly this). */
const GS2_HEADER = 'n,,';

type ScramClientState = 'client-first' | 'server-first' | 'server-final' | 'complete' | 'failed';

/**
 * SCRAM-SHA-256 / SCRAM-SHA-512 client (RFC 5802, RFC 7677) with the behaviour of Kafka's
 * `ScramSaslClient`: client-first `n,,n=user,r=nonce`; on server-first, checks that the nonce
 * extends its own and the iteration count is at least the mechanism's minimum, and answers with
 * the proof; on server-final, checks the server's signature (the server knows the credential) or
 * fails with the server's `e=` error.
 *
 * Unlike Kafka, an iteration count above the mechanism's maximum (16384) is refused too: the
 * salted password is computed before the server has proven anything, so a server could otherwise
 * make the broker spend seconds of CPU per connection attempt.
 */
export class ScramSaslClient implements SaslClientMechanism {
  readonly mechanism: ScramMechanism;
  private readonly info: ScramMechanismInfo;
  private state: ScramClientState = 'client-first';
  private clientFirstBare = '';
  private clientNonce = '';
  private serverSignature: Buffer | undefined;

  constructor(
    mechanism: ScramMechanism,
    private readonly credentials: SaslClientCredentials,
    /** The client nonce; 24 random bytes in base64url by default. Tests inject RFC vectors. */
    private readonly nonce: () => string = () => randomBytes(24).toString('base64url'),
  ) {
    this.mechanism = mechanism;
    this.info = SCRAM_MECHANISMS[mechanism];
  }

  get complete(): boolean {
    return this.state === 'complete';
  }

  async evaluate(challenge: Buffer): Promise<Buffer> {
    try {
      switch (this.state) {
        case 'client-first':
          return this.clientFirst(challenge);
        case 'server-first':
          return await this.clientFinal(challenge.toString('latin1'));
        case 'server-final':
          this.verifyServerFinal(challenge.toString('latin1'));
          return Buffer.alloc(0);
        default:
          throw new SaslClientError(`Unexpected challenge in Sasl client state ${this.state.toUpperCase()}`);
      }
    } catch (error) {
      this.state = 'failed';
      this.serverSignature = undefined;
      throw error;
    }
  }

  private clientFirst(challenge: Buffer): Buffer {
    if (challenge.length !== 0) throw new SaslClientError('Expected empty challenge');
    this.clientNonce = this.nonce();
    this.clientFirstBare = `n=${scramSaslName(this.credentials.username)},r=${this.clientNonce}`;
    this.state = 'server-first';
    return Buffer.from(`${GS2_HEADER}${this.clientFirstBare}`, 'utf8');
  }

  private async clientFinal(serverFirst: string): Promise<Buffer> {
    const groups = SERVER_FIRST.exec(serverFirst)?.groups;
    if (!groups) throw new SaslClientError(`Invalid SCRAM server first message format: ${serverFirst.slice(0, 200)}`);
    const nonce = groups.nonce!;
    if (!nonce.startsWith(this.clientNonce)) {
      throw new SaslClientError('Invalid server nonce: does not start with client nonce');
    }
    const iterations = Number(groups.iterations);
    if (iterations < this.info.minIterations) {
      throw new SaslClientError(
        `Requested iterations ${iterations} is less than the minimum ${this.info.minIterations} for ${this.mechanism}`,
      );
    }
    if (iterations > this.info.maxIterations) {
      throw new SaslClientError(
        `Requested iterations ${iterations} is more than the maximum ${this.info.maxIterations} for ${this.mechanism}`,
      );
    }
    const salt = Buffer.from(groups.salt!, 'base64');
    if (salt.length === 0) throw new SaslClientError('Invalid SCRAM server first message: empty salt');
    const saltedPassword = await scramSaltedPassword(this.mechanism, this.credentials.password, salt, iterations);
    const withoutProof = `c=${Buffer.from(GS2_HEADER, 'latin1').toString('base64')},r=${nonce}`;
    const authMessage = `${this.clientFirstBare},${serverFirst},${withoutProof}`;
    const clientKey = hmac(this.info, saltedPassword, 'Client Key');
    const storedKey = createHash(this.info.hash).update(clientKey).digest();
    const clientSignature = hmac(this.info, storedKey, authMessage);
    const proof = Buffer.alloc(clientKey.length);
    for (let i = 0; i < proof.length; i++) proof[i] = clientKey[i]! ^ clientSignature[i]!;
    this.serverSignature = hmac(this.info, hmac(this.info, saltedPassword, 'Server Key'), authMessage);
    this.state = 'server-final';
    return Buffer.from(`${withoutProof},p=${proof.toString('base64')}`, 'latin1');
  }

  private verifyServerFinal(serverFinal: string): void {
    const groups = SERVER_FINAL.exec(serverFinal)?.groups;
    if (!groups) throw new SaslClientError(`Invalid SCRAM server final message format: ${serverFinal.slice(0, 200)}`);
    if (groups.error !== undefined)
      throw new SaslClientError(`Sasl authentication using ${this.mechanism} failed with error: ${groups.error}`);
    const signature = Buffer.from(groups.signature!, 'base64');
    const expected = this.serverSignature!;
    if (signature.length !== expected.length || !timingSafeEqual(signature, expected)) {
      throw new SaslClientError('Invalid server signature in server final message');
    }
    this.serverSignature = undefined;
    this.state = 'complete';
  }
}
