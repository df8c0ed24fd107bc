/**
 * The client side of SASL (what a follower authenticates to its leader with) against the
 * broker's own server side: PLAIN against PlainSaslServer, SCRAM-SHA-256/512 against
 * ScramSaslServer, the RFC 7677 vector byte for byte, and the checks a client makes of the server
 * (nonce, iterations, server signature, the server's `e=` error).
 */
import { createSaslClient, PlainSaslClient, SaslClientError, ScramSaslClient, type SaslClientMechanism } from '@strom/kafka-client';
import { describe, expect, it } from 'vitest';
import {
  PlainSaslServer,
  SaslAuthenticationError,
  ScramSaslServer,
  makeScramCredential,
  staticPlainVerifier,
  type SaslServerMechanism,
  type ScramCredential,
  type ScramMechanism,
} from '../src/security/index.js';

const text = (buffer: Buffer) => buffer.toString('latin1');
const bytes = (message: string) => Buffer.from(message, 'latin1');

/**
 * Runs an exchange as KafkaConnection does: client token → server → client, until the client is
 * complete. Returns what crossed the wire; rejects with the first side's error.
 */
async function exchange(client: SaslClientMechanism, server: SaslServerMechanism): Promise<string[]> {
  const wire: string[] = [];
  let challenge: Buffer = Buffer.alloc(0);
  for (;;) {
    const token = await client.evaluate(challenge);
    if (client.complete) return wire;
    wire.push(text(token));
    challenge = await server.evaluate(token);
    wire.push(text(challenge));
  }
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e as Error,
  );
  expect(error).toBeInstanceOf(Error);
  return error!;
}

function scramServer(mechanism: ScramMechanism, users: Record<string, ScramCredential>, serverNonce?: string): ScramSaslServer {
  return new ScramSaslServer({
    mechanism,
    lookupCredential: async (user) => users[user],
    ...(serverNonce ? { serverNonce: () => serverNonce } : {}),
  });
}

describe('SCRAM-SHA-256 client: RFC 7677 §3 test vector', () => {
  const salt = Buffer.from('W22ZaJ0SNY7soEsUEjb6gQ==', 'base64');
  const credential = makeScramCredential('pencil', 'SCRAM-SHA-256', 4096, salt);

  it('sends the RFC client-first and client-final, and accepts the RFC server signature', async () => {
    const client = new ScramSaslClient('SCRAM-SHA-256', { username: 'user', password: 'pencil' }, () => 'rOprNGfwEbeRWgbNEkqO');
    const server = scramServer('SCRAM-SHA-256', { user: credential }, '%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0');
    expect(await exchange(client, server)).toEqual([
      'n,,n=user,r=rOprNGfwEbeRWgbNEkqO',
      'r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096',
      'c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=',
      'v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=',
    ]);
    expect(client.complete).toBe(true);
    expect(server.authorizationId).toBe('user');
  });
});

describe.each(['SCRAM-SHA-256', 'SCRAM-SHA-512'] as const)('%s client against the broker’s server', (mechanism) => {
  const users = {
    broker: makeScramCredential('broker-secret', mechanism),
    'we,ird=name': makeScramCredential('p@ss,w=rd', mechanism, 8192),
    carol: makeScramCredential('kodé', mechanism),
  };

  it.each(Object.entries({ broker: 'broker-secret', 'we,ird=name': 'p@ss,w=rd', carol: 'kodé' }))(
    'authenticates %s, escaping the name, the password as UTF-8, the server’s iteration count',
    async (username, password) => {
      const client = createSaslClient(mechanism, { username, password });
      const server = scramServer(mechanism, users);
      const wire = await exchange(client, server);
      expect(client.complete).toBe(true);
      expect(server.complete).toBe(true);
      expect(server.authorizationId).toBe(username);
      expect(wire).toHaveLength(4);
      expect(wire[0]).toMatch(/^n,,n=[^,]+,r=[A-Za-z0-9_-]{32}$/);
    },
  );

  it('a wrong password: the server refuses the proof, the client never completes', async () => {
    const client = createSaslClient(mechanism, { username: 'broker', password: 'not-the-secret' });
    const error = await rejection(exchange(client, scramServer(mechanism, users)));
    expect(error).toBeInstanceOf(SaslAuthenticationError);
    expect(client.complete).toBe(false);
  });

  it('refuses a server that cannot prove it knows the credential (a tampered server signature)', async () => {
    const client = createSaslClient(mechanism, { username: 'broker', password: 'broker-secret' });
    const server = scramServer(mechanism, users);
    const serverFirst = await server.evaluate(await client.evaluate(Buffer.alloc(0)));
    const serverFinal = text(await server.evaluate(await client.evaluate(serverFirst)));
    const signature = Buffer.from(serverFinal.slice(2), 'base64');
    signature[0] = signature[0]! ^ 1;
    const error = await rejection(client.evaluate(bytes(`v=${signature.toString('base64')}`)));
    expect(error).toBeInstanceOf(SaslClientError);
    expect(error.message).toBe('Invalid server signature in server final message');
    expect(client.complete).toBe(false);
    await expect(client.evaluate(bytes(serverFinal))).rejects.toThrow('Unexpected challenge in Sasl client state FAILED');
  });
});

describe('the SCRAM client’s checks of the server-first and server-final messages (Kafka’s ScramSaslClient)', () => {
  const client = (nonce = 'clientnonce') => new ScramSaslClient('SCRAM-SHA-512', { username: 'broker', password: 'secret' }, () => nonce);
  const started = async (nonce = 'clientnonce') => {
    const c = client(nonce);
    expect(text(await c.evaluate(Buffer.alloc(0)))).toBe(`n,,n=broker,r=${nonce}`);
    return c;
  };
  const salt = Buffer.from('salt-salt-salt').toString('base64');

  it('a server nonce that does not extend the client nonce', async () => {
    const c = await started();
    await expect(c.evaluate(bytes(`r=othernonce123,s=${salt},i=4096`))).rejects.toThrow(
      'Invalid server nonce: does not start with client nonce',
    );
  });

  it('fewer iterations than the mechanism’s minimum, and (Strom’s bound) more than its maximum', async () => {
    await expect((await started()).evaluate(bytes(`r=clientnonceXYZ,s=${salt},i=4095`))).rejects.toThrow(
      'Requested iterations 4095 is less than the minimum 4096 for SCRAM-SHA-512',
    );
    await expect((await started()).evaluate(bytes(`r=clientnonceXYZ,s=${salt},i=16385`))).rejects.toThrow(
      'Requested iterations 16385 is more than the maximum 16384 for SCRAM-SHA-512',
    );
    const c = await started();
    expect(text(await c.evaluate(bytes(`r=clientnonceXYZ,s=${salt},i=16384`)))).toMatch(/^c=biws,r=clientnonceXYZ,p=[A-Za-z0-9+/]+=*$/);
  });

  it('a malformed server-first, a server-final with the server’s error, a challenge before the first token', async () => {
    await expect((await started()).evaluate(bytes('r=clientnonceXYZ,i=4096'))).rejects.toThrow('Invalid SCRAM server first message format');
    const c = await started();
    await c.evaluate(bytes(`r=clientnonceXYZ,s=${salt},i=4096`));
    await expect(c.evaluate(bytes('e=invalid-proof'))).rejects.toThrow(
      'Sasl authentication using SCRAM-SHA-512 failed with error: invalid-proof',
    );
    await expect(client().evaluate(bytes('r=x'))).rejects.toThrow('Expected empty challenge');
  });
});

describe('PLAIN client against the broker’s server', () => {
  const verifier = staticPlainVerifier({ broker: 'broker-secret' });

  it('sends NUL username NUL password and completes on the server’s empty answer', async () => {
    const client = new PlainSaslClient({ username: 'broker', password: 'broker-secret' });
    const server = new PlainSaslServer(verifier);
    expect(await exchange(client, server)).toEqual(['\0broker\0broker-secret', '']);
    expect(client.complete).toBe(true);
    expect(server.authorizationId).toBe('broker');
  });

  it('a wrong password is refused by the server', async () => {
    const client = createSaslClient('PLAIN', { username: 'broker', password: 'wrong' });
    const error = await rejection(exchange(client, new PlainSaslServer(verifier)));
    expect(error.message).toBe('Authentication failed: Invalid username or password');
    expect(client.complete).toBe(false);
  });

  it('mechanisms Strom cannot speak as a client are refused by name', () => {
    expect(() => createSaslClient('GSSAPI', { username: 'u', password: 'p' })).toThrow(
      'SASL mechanism GSSAPI is not supported by Strom as a client',
    );
  });
});
