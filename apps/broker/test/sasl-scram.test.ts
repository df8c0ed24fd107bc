import { createHash, createHmac, randomBytes } from 'node:crypto';
import { ErrorCode } from '@strom/errors';
import { describe, expect, it } from 'vitest';
import {
  IllegalSaslStateError,
  SaslAuthenticationError,
  SaslSession,
  ScramSaslServer,
  makeScramCredential,
  saslMechanismFactory,
  scramCredentialFromSaltedPassword,
  scramIterationsProblem,
  scramSaslName,
  scramUsername,
  type ScramCredential,
  type ScramMechanism,
} from '../src/security/index.js';
import { defaultListenerSecurity } from './listener-options.js';

/**
 * An independent SCRAM client for tests, written from RFC 5802 §3 and §5 with node:crypto only
 * (it shares no code with the server under test). Hi() is spelled out as the RFC defines it
 * rather than delegated to PBKDF2.
 */
class RfcScramClient {
  private readonly gs2Header: string;
  private readonly clientFirstBare: string;
  private expectedServerSignature: Buffer | undefined;
  /** The AuthMessage of the last client-final, for assertions. */
  authMessage: string | undefined;

  constructor(
    private readonly hash: 'sha1' | 'sha256' | 'sha512',
    user: string,
    private readonly password: string,
    private readonly clientNonce: string,
    authzid?: string,
  ) {
    // RFC 5802 §5.1: "=" and "," in names are sent as "=3D" and "=2C".
    const saslName = (name: string) => name.replace(/=/g, '=3D').replace(/,/g, '=2C');
    this.gs2Header = authzid === undefined ? 'n,,' : `n,a=${saslName(authzid)},`;
    this.clientFirstBare = `n=${saslName(user)},r=${clientNonce}`;
  }

  /** client-first-message = gs2-header client-first-message-bare. */
  clientFirst(): string {
    return this.gs2Header + this.clientFirstBare;
  }

  /** client-final-message for a server-first-message; overrides tamper with single fields. */
  clientFinal(serverFirst: string, tamper: { nonce?: string; channelBinding?: string; proof?: (proof: Buffer) => Buffer } = {}): string {
    const attributes = new Map(serverFirst.split(',').map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
    const nonce = attributes.get('r') ?? '';
    const salt = Buffer.from(attributes.get('s') ?? '', 'base64');
    const iterations = Number(attributes.get('i'));
    if (!nonce.startsWith(this.clientNonce)) throw new Error('server nonce does not extend the client nonce');

    // SaltedPassword := Hi(Normalize(password), salt, i)
    const saltedPassword = this.hi(Buffer.from(this.password, 'utf8'), salt, iterations);
    // ClientKey := HMAC(SaltedPassword, "Client Key"); StoredKey := H(ClientKey)
    const clientKey = this.hmac(saltedPassword, Buffer.from('Client Key'));
    const storedKey = createHash(this.hash).update(clientKey).digest();
    const withoutProof = `c=${tamper.channelBinding ?? Buffer.from(this.gs2Header).toString('base64')},r=${tamper.nonce ?? nonce}`;
    // AuthMessage := client-first-message-bare + "," + server-first-message + "," + client-final-message-without-proof
    const authMessage = `${this.clientFirstBare},${serverFirst},${withoutProof}`;
    this.authMessage = authMessage;
    // ClientSignature := HMAC(StoredKey, AuthMessage); ClientProof := ClientKey XOR ClientSignature
    const clientSignature = this.hmac(storedKey, Buffer.from(authMessage));
    let proof: Buffer = Buffer.from(clientKey.map((byte, i) => byte ^ clientSignature[i]!));
    if (tamper.proof) proof = tamper.proof(proof);
    // ServerKey := HMAC(SaltedPassword, "Server Key"); ServerSignature := HMAC(ServerKey, AuthMessage)
    const serverKey = this.hmac(saltedPassword, Buffer.from('Server Key'));
    this.expectedServerSignature = this.hmac(serverKey, Buffer.from(authMessage));
    return `${withoutProof},p=${proof.toString('base64')}`;
  }

  /** Whether server-final-message is `v=` the ServerSignature this client expects. */
  verifyServerFinal(serverFinal: string): boolean {
    return this.expectedServerSignature !== undefined && serverFinal === `v=${this.expectedServerSignature.toString('base64')}`;
  }

  /** Hi(str, salt, i): U1 := HMAC(str, salt + INT(1)), Uk := HMAC(str, Uk-1), Hi := U1 XOR … XOR Ui. */
  private hi(str: Buffer, salt: Buffer, iterations: number): Buffer {
    let u = this.hmac(str, Buffer.concat([salt, Buffer.from([0, 0, 0, 1])]));
    const result = Buffer.from(u);
    for (let k = 2; k <= iterations; k++) {
      u = this.hmac(str, u);
      for (let j = 0; j < result.length; j++) result[j]! ^= u[j]!;
    }
    return result;
  }

  private hmac(key: Buffer, data: Buffer): Buffer {
    return createHmac(this.hash, key).update(data).digest();
  }
}

const HASH: Record<ScramMechanism, 'sha256' | 'sha512'> = { 'SCRAM-SHA-256': 'sha256', 'SCRAM-SHA-512': 'sha512' };

/** A credential store with one entry per (user, mechanism), built from passwords. */
function store(users: Record<string, string>, iterations = 4096) {
  const credentials = new Map<string, ScramCredential>();
  for (const [user, password] of Object.entries(users)) {
    for (const mechanism of ['SCRAM-SHA-256', 'SCRAM-SHA-512'] as const) {
      credentials.set(`${mechanism}/${user}`, makeScramCredential(password, mechanism, iterations));
    }
  }
  const lookups: string[] = [];
  return {
    lookups,
    lookup: async (user: string, mechanism: ScramMechanism) => {
      lookups.push(`${mechanism}/${user}`);
      return credentials.get(`${mechanism}/${user}`);
    },
  };
}

async function failure(promise: Promise<unknown>): Promise<SaslAuthenticationError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SaslAuthenticationError);
  return error as SaslAuthenticationError;
}

const text = (buffer: Buffer) => buffer.toString('latin1');
const bytes = (message: string) => Buffer.from(message, 'latin1');

describe('the test client itself (RFC 5802 §5 SCRAM-SHA-1 example)', () => {
  it('produces the RFC client proof and expects the RFC server signature', () => {
    const client = new RfcScramClient('sha1', 'user', 'pencil', 'fyko+d2lbbFgONRv9qkxdawL');
    expect(client.clientFirst()).toBe('n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL');
    const final = client.clientFinal('r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096');
    expect(final).toBe('c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=');
    expect(client.verifyServerFinal('v=rmF9pqV8S7suAoZWja4dJRkFsKQ=')).toBe(true);
  });
});

describe('SCRAM-SHA-256: RFC 7677 §3 test vector', () => {
  const salt = Buffer.from('W22ZaJ0SNY7soEsUEjb6gQ==', 'base64');
  const credential = makeScramCredential('pencil', 'SCRAM-SHA-256', 4096, salt);

  it('answers byte for byte as in the RFC', async () => {
    const server = new ScramSaslServer({
      mechanism: 'SCRAM-SHA-256',
      lookupCredential: async (user) => (user === 'user' ? credential : undefined),
      serverNonce: () => '%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0',
    });
    const serverFirst = await server.evaluate(bytes('n,,n=user,r=rOprNGfwEbeRWgbNEkqO'));
    expect(text(serverFirst)).toBe('r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096');
    expect(server.complete).toBe(false);
    const serverFinal = await server.evaluate(
      bytes('c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ='),
    );
    expect(text(serverFinal)).toBe('v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=');
    expect(server.complete).toBe(true);
    expect(server.authorizationId).toBe('user');
  });

  it('the independent client computes the RFC proof against this server', async () => {
    const server = new ScramSaslServer({
      mechanism: 'SCRAM-SHA-256',
      lookupCredential: async () => credential,
      serverNonce: () => '%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0',
    });
    const client = new RfcScramClient('sha256', 'user', 'pencil', 'rOprNGfwEbeRWgbNEkqO');
    const serverFirst = text(await server.evaluate(bytes(client.clientFirst())));
    const final = client.clientFinal(serverFirst);
    expect(final).toBe('c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=');
    expect(client.verifyServerFinal(text(await server.evaluate(bytes(final))))).toBe(true);
  });
});

describe.each(['SCRAM-SHA-256', 'SCRAM-SHA-512'] as const)('%s full exchange', (mechanism) => {
  const users = store({ alice: 'alice-secret', 'we,ird=name': 'p@ss,w=rd', ünï: 'kodé' });

  async function exchange(user: string, password: string, options: { authzid?: string; clientNonce?: string } = {}) {
    const server = new ScramSaslServer({ mechanism, lookupCredential: users.lookup });
    const client = new RfcScramClient(
      HASH[mechanism],
      user,
      password,
      options.clientNonce ?? randomBytes(18).toString('base64'),
      options.authzid,
    );
    const serverFirst = text(await server.evaluate(bytes(client.clientFirst())));
    return { server, client, serverFirst };
  }

  it('authenticates, and the client verifies the server signature', async () => {
    const { server, client, serverFirst } = await exchange('alice', 'alice-secret');
    expect(serverFirst).toMatch(/^r=[!-+--~]+,s=[A-Za-z0-9+/=]+,i=4096$/);
    const serverFinal = text(await server.evaluate(bytes(client.clientFinal(serverFirst))));
    expect(client.verifyServerFinal(serverFinal)).toBe(true);
    expect(server.complete).toBe(true);
    expect(server.authorizationId).toBe('alice');
  });

  it('combines the nonces: client nonce first, then a fresh server part', async () => {
    const a = await exchange('alice', 'alice-secret', { clientNonce: 'abc' });
    const b = await exchange('alice', 'alice-secret', { clientNonce: 'abc' });
    const nonce = (serverFirst: string) => serverFirst.split(',')[0]!.slice(2);
    expect(nonce(a.serverFirst).startsWith('abc')).toBe(true);
    expect(nonce(a.serverFirst).length).toBeGreaterThan('abc'.length + 16);
    expect(nonce(a.serverFirst)).not.toBe(nonce(b.serverFirst));
  });

  it('unescapes =2C and =3D in the user name', async () => {
    const { server, client, serverFirst } = await exchange('we,ird=name', 'p@ss,w=rd');
    expect(client.clientFirst()).toContain('n=we=2Cird=3Dname,');
    expect(users.lookups.at(-1)).toBe(`${mechanism}/we,ird=name`);
    await server.evaluate(bytes(client.clientFinal(serverFirst)));
    expect(server.authorizationId).toBe('we,ird=name');
  });

  it('refuses non-ASCII user names, as Kafka’s saslname grammar does', async () => {
    const server = new ScramSaslServer({ mechanism, lookupCredential: users.lookup });
    const first = Buffer.from('n,,n=ünï,r=abcdef', 'utf8');
    const error = await failure(server.evaluate(first));
    expect(error.clientVisible).toBe(false);
    expect(error.message).toMatch(/^Invalid SCRAM client first message format/);
  });

  it('accepts an authzid equal to the user, and c= carrying that gs2 header', async () => {
    const { server, client, serverFirst } = await exchange('alice', 'alice-secret', { authzid: 'alice' });
    const final = client.clientFinal(serverFirst);
    expect(final.startsWith(`c=${Buffer.from('n,a=alice,').toString('base64')},`)).toBe(true);
    expect(client.verifyServerFinal(text(await server.evaluate(bytes(final))))).toBe(true);
  });

  it('refuses an authzid different from the user with Kafka’s client-visible message', async () => {
    const server = new ScramSaslServer({ mechanism, lookupCredential: users.lookup });
    const client = new RfcScramClient(HASH[mechanism], 'alice', 'alice-secret', 'nonce', 'bob');
    const error = await failure(server.evaluate(bytes(client.clientFirst())));
    expect(error.clientVisible).toBe(true);
    expect(error.message).toBe('Authentication failed: Client requested an authorization id that is different from username');
    expect(error.code).toBe(ErrorCode.SASL_AUTHENTICATION_FAILED);
  });

  it('fails a wrong password at the proof', async () => {
    const { server, client, serverFirst } = await exchange('alice', 'not-her-secret');
    const error = await failure(server.evaluate(bytes(client.clientFinal(serverFirst))));
    expect(error.clientVisible).toBe(false);
    expect(error.message).toBe('Invalid client credentials');
    expect(server.complete).toBe(false);
    expect(server.authorizationId).toBeUndefined();
  });

  it('goes on with a stand-in credential for an unknown user, and fails at the proof', async () => {
    const first = await exchange('mallory', 'guess', { clientNonce: 'n1' });
    const second = await exchange('mallory', 'other', { clientNonce: 'n1' });
    const known = await exchange('alice', 'alice-secret', { clientNonce: 'n1' });
    const fields = (serverFirst: string) => serverFirst.split(',').slice(1);
    // Same shape as a real user's answer, and a salt stable across attempts.
    expect(fields(first.serverFirst)).toEqual(fields(second.serverFirst));
    expect(fields(first.serverFirst)[1]).toBe('i=4096');
    expect(Buffer.from(fields(first.serverFirst)[0]!.slice(2), 'base64')).toHaveLength(32);
    expect(fields(known.serverFirst)[0]!.length).toBe(fields(first.serverFirst)[0]!.length);
    const error = await failure(first.server.evaluate(bytes(first.client.clientFinal(first.serverFirst))));
    expect(error.clientVisible).toBe(false);
  });

  it('fails a tampered nonce in client-final', async () => {
    const { server, client, serverFirst } = await exchange('alice', 'alice-secret');
    const nonce = serverFirst.split(',')[0]!.slice(2);
    const error = await failure(server.evaluate(bytes(client.clientFinal(serverFirst, { nonce: `${nonce}x` }))));
    expect(error.message).toBe('Invalid client nonce in the final client message.');
  });

  it('fails a tampered proof, and a proof of the wrong length', async () => {
    for (const proof of [(p: Buffer) => Buffer.from(p.map((b, i) => (i === 0 ? b ^ 1 : b))), (p: Buffer) => p.subarray(1)]) {
      const { server, client, serverFirst } = await exchange('alice', 'alice-secret');
      const error = await failure(server.evaluate(bytes(client.clientFinal(serverFirst, { proof }))));
      expect(error.message).toBe('Invalid client credentials');
    }
  });

  it('refuses channel binding: gs2 flag p=, and a c= that is not the gs2 header', async () => {
    const server = new ScramSaslServer({ mechanism, lookupCredential: users.lookup });
    const error = await failure(server.evaluate(bytes('p=tls-server-end-point,,n=alice,r=abc')));
    expect(error.message).toMatch(/channel binding/);

    const { server: other, client, serverFirst } = await exchange('alice', 'alice-secret');
    const wrongBinding = Buffer.from('p=tls-unique,,xyz').toString('base64');
    const bindingError = await failure(other.evaluate(bytes(client.clientFinal(serverFirst, { channelBinding: wrongBinding }))));
    expect(bindingError.message).toBe('Invalid channel binding in the final client message.');
  });

  it('accepts gs2 flag y (client supports channel binding, server offers no -PLUS)', async () => {
    const server = new ScramSaslServer({ mechanism, lookupCredential: users.lookup });
    const client = new RfcScramClient(HASH[mechanism], 'alice', 'alice-secret', 'ynonce');
    const serverFirst = text(await server.evaluate(bytes(`y${client.clientFirst().slice(1)}`)));
    const final = client.clientFinal(serverFirst, { channelBinding: Buffer.from('y,,').toString('base64') });
    // The proof covers c=eSws: recompute it through the client with that binding.
    expect(final.startsWith('c=eSws,')).toBe(true);
    expect(client.verifyServerFinal(text(await server.evaluate(bytes(final))))).toBe(true);
  });

  it('refuses the tokenauth=true extension (no delegation tokens) and ignores other extensions', async () => {
    const server = new ScramSaslServer({ mechanism, lookupCredential: users.lookup });
    const error = await failure(server.evaluate(bytes('n,,n=alice,r=abc,tokenauth=TRUE')));
    expect(error.message).toMatch(/^Token Authentication failed/);
    expect(error.clientVisible).toBe(false);

    // Extensions are part of client-first-message-bare and so of the AuthMessage.
    const other = new ScramSaslServer({ mechanism, lookupCredential: users.lookup });
    const client = new RfcScramClient(HASH[mechanism], 'alice', 'alice-secret', 'extnonce');
    const withExtension = `${client.clientFirst()},foo=bar=baz`;
    const serverFirst = text(await other.evaluate(bytes(withExtension)));
    const proofWithoutExtension = client.clientFinal(serverFirst);
    // The client signed a bare message without the extension: the server must notice.
    await failure(other.evaluate(bytes(proofWithoutExtension)));
  });

  it('refuses malformed messages', async () => {
    for (const first of [
      '',
      'n,,r=abc',
      'n,,n=alice',
      'n,,n=,r=abc',
      'x,,n=alice,r=abc',
      'n,,n=alice,r=a,b',
      'n,,n=al=ice,r=abc',
      'n,,n=alice,r=abc,1=2',
    ]) {
      const server = new ScramSaslServer({ mechanism, lookupCredential: users.lookup });
      const error = await failure(server.evaluate(bytes(first)));
      expect(error.message, first).toMatch(/^Invalid SCRAM client first message format/);
    }
    for (const final of ['', 'c=biws', 'c=biws,r=abc', 'c=biws,r=abc,p=***', 'r=abc,c=biws,p=AAAA']) {
      const { server } = await exchange('alice', 'alice-secret');
      const error = await failure(server.evaluate(bytes(final)));
      expect(error.message, final).toMatch(/^Invalid SCRAM client final message format/);
    }
  });

  it('refuses a stored credential below the minimum iterations, and a failing lookup', async () => {
    const weak: ScramCredential = { ...makeScramCredential('pw', mechanism), iterations: 4095 };
    const server = new ScramSaslServer({ mechanism, lookupCredential: async () => weak });
    const error = await failure(server.evaluate(bytes('n,,n=alice,r=abc')));
    expect(error.message).toBe(`Iterations 4095 is less than the minimum 4096 for ${mechanism}`);

    const broken = new ScramSaslServer({
      mechanism,
      lookupCredential: async () => {
        throw new Error('store down');
      },
    });
    const lookupError = await failure(broken.evaluate(bytes('n,,n=alice,r=abc')));
    expect(lookupError.message).toBe('Authentication failed: Credentials could not be obtained');
    expect(lookupError.clientVisible).toBe(false);
  });

  it('refuses tokens after completion or failure (ILLEGAL_SASL_STATE)', async () => {
    const { server, client, serverFirst } = await exchange('alice', 'alice-secret');
    await server.evaluate(bytes(client.clientFinal(serverFirst)));
    await expect(server.evaluate(bytes('n,,n=alice,r=abc'))).rejects.toBeInstanceOf(IllegalSaslStateError);

    const failed = new ScramSaslServer({ mechanism, lookupCredential: users.lookup });
    await failure(failed.evaluate(bytes('garbage')));
    const error = await failed.evaluate(bytes('n,,n=alice,r=abc')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IllegalSaslStateError);
    expect((error as IllegalSaslStateError).code).toBe(ErrorCode.ILLEGAL_SASL_STATE);
  });
});

describe('SCRAM credentials', () => {
  it('makeScramCredential follows RFC 5802 (checked with the independent Hi)', () => {
    const salt = Buffer.from('0123456789abcdef');
    const credential = makeScramCredential('secret', 'SCRAM-SHA-512', 4096, salt);
    // Hi() with HMAC-SHA-512, spelled out.
    let u = createHmac('sha512', 'secret')
      .update(Buffer.concat([salt, Buffer.from([0, 0, 0, 1])]))
      .digest();
    const salted = Buffer.from(u);
    for (let k = 2; k <= 4096; k++) {
      u = createHmac('sha512', 'secret').update(u).digest();
      for (let j = 0; j < salted.length; j++) salted[j] = salted[j]! ^ u[j]!;
    }
    const clientKey = createHmac('sha512', salted).update('Client Key').digest();
    expect(credential.storedKey).toEqual(createHash('sha512').update(clientKey).digest());
    expect(credential.serverKey).toEqual(createHmac('sha512', salted).update('Server Key').digest());
    expect(credential.salt).toEqual(salt);
    expect(credential.iterations).toBe(4096);
    expect(scramCredentialFromSaltedPassword(salted, salt, 4096, 'SCRAM-SHA-512')).toEqual(credential);
  });

  it('draws a random salt by default', () => {
    const a = makeScramCredential('pw', 'SCRAM-SHA-256');
    const b = makeScramCredential('pw', 'SCRAM-SHA-256');
    expect(a.salt).toHaveLength(32);
    expect(a.salt).not.toEqual(b.salt);
    expect(a.storedKey).not.toEqual(b.storedKey);
  });

  it('enforces Kafka’s iteration bounds (4096..16384) and sizes', () => {
    expect(scramIterationsProblem('SCRAM-SHA-256', 4095)).toBe('Too few iterations');
    expect(scramIterationsProblem('SCRAM-SHA-256', 16385)).toBe('Too many iterations');
    expect(scramIterationsProblem('SCRAM-SHA-512', 8192)).toBeUndefined();
    expect(() => makeScramCredential('pw', 'SCRAM-SHA-256', 1000)).toThrow(RangeError);
    expect(() => makeScramCredential('pw', 'SCRAM-SHA-256', 20000)).toThrow(RangeError);
    expect(() => scramCredentialFromSaltedPassword(Buffer.alloc(32), Buffer.alloc(0), 4096, 'SCRAM-SHA-256')).toThrow(/salt/);
    expect(() => scramCredentialFromSaltedPassword(Buffer.alloc(32), Buffer.alloc(8), 4096, 'SCRAM-SHA-512')).toThrow(/64 bytes/);
  });

  it('escapes and unescapes sasl names', () => {
    expect(scramSaslName('a=b,c')).toBe('a=3Db=2Cc');
    expect(scramUsername('a=3Db=2Cc')).toBe('a=b,c');
  });
});

describe('SCRAM through a SaslSession', () => {
  const users = store({ alice: 'alice-secret' });
  const session = (mechanisms = ['SCRAM-SHA-256', 'SCRAM-SHA-512']) =>
    new SaslSession({
      enabledMechanisms: mechanisms,
      createMechanism: saslMechanismFactory({ lookupScram: users.lookup }),
      maxTokenBytes: defaultListenerSecurity.saslMaxReceiveBytes,
    });

  it.each(['SCRAM-SHA-256', 'SCRAM-SHA-512'] as const)('%s: two SaslAuthenticate round trips, then User:alice', async (mechanism) => {
    const s = session();
    expect((await s.handshake(mechanism, 1)).response).toEqual({ errorCode: 0, mechanisms: ['SCRAM-SHA-256', 'SCRAM-SHA-512'] });
    const client = new RfcScramClient(HASH[mechanism], 'alice', 'alice-secret', 'clientnonce');
    const first = await s.authenticate(bytes(client.clientFirst()), 2);
    expect(first.response.errorCode).toBe(0);
    expect(first.response.sessionLifetimeMs).toBe(0n);
    expect(first.principal).toBeUndefined();
    expect(s.authenticated).toBe(false);
    const final = await s.authenticate(bytes(client.clientFinal(text(first.response.authBytes))), 2);
    expect(final.response.errorCode).toBe(0);
    expect(client.verifyServerFinal(text(final.response.authBytes))).toBe(true);
    expect(final.principal).toBe('User:alice');
    expect(s.principal).toBe('User:alice');
    expect(s.state).toBe('complete');
  });

  it('a wrong password gets Kafka’s generic message and closes', async () => {
    const s = session();
    await s.handshake('SCRAM-SHA-256', 1);
    const client = new RfcScramClient('sha256', 'alice', 'wrong', 'clientnonce');
    const first = await s.authenticate(bytes(client.clientFirst()), 1);
    const final = await s.authenticate(bytes(client.clientFinal(text(first.response.authBytes))), 1);
    expect(final.response).toEqual({
      errorCode: ErrorCode.SASL_AUTHENTICATION_FAILED,
      errorMessage: 'Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-256',
      authBytes: Buffer.alloc(0),
      sessionLifetimeMs: 0n,
    });
    expect(final.closeAfterResponse).toBe(true);
    expect(final.reason).toBe('Invalid client credentials');
    expect(s.state).toBe('failed');
    expect(s.authenticated).toBe(false);
  });

  it('an unknown user fails exactly like a wrong password, at the same step', async () => {
    const outcomes = [];
    for (const user of ['alice', 'nobody']) {
      const s = session();
      await s.handshake('SCRAM-SHA-512', 1);
      const client = new RfcScramClient('sha512', user, 'wrong', 'clientnonce');
      const first = await s.authenticate(bytes(client.clientFirst()), 1);
      expect(first.response.errorCode).toBe(0);
      const final = await s.authenticate(bytes(client.clientFinal(text(first.response.authBytes))), 1);
      outcomes.push(final.response);
    }
    expect(outcomes[0]).toEqual(outcomes[1]);
  });

  it('an authzid mismatch sends Kafka’s specific message', async () => {
    const s = session();
    await s.handshake('SCRAM-SHA-256', 1);
    const outcome = await s.authenticate(bytes('n,a=root,n=alice,r=abc'), 1);
    expect(outcome.response.errorCode).toBe(ErrorCode.SASL_AUTHENTICATION_FAILED);
    expect(outcome.response.errorMessage).toBe(
      'Authentication failed: Client requested an authorization id that is different from username',
    );
    expect(outcome.closeAfterResponse).toBe(true);
  });
});
