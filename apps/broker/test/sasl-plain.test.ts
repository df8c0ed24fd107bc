import { ErrorCode } from '@strom/errors';
import { describe, expect, it } from 'vitest';
import { IllegalSaslStateError, PlainSaslServer, SaslAuthenticationError, staticPlainVerifier } from '../src/security/index.js';

const verifier = staticPlainVerifier({ alice: 'alice-secret', ünï: 'kodé' });
const token = (authzid: string, user: string, password: string) => Buffer.from(`${authzid}\0${user}\0${password}`, 'utf8');

async function failure(promise: Promise<unknown>): Promise<SaslAuthenticationError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SaslAuthenticationError);
  return error as SaslAuthenticationError;
}

describe('PLAIN (RFC 4616, Kafka PlainSaslServer)', () => {
  it('authenticates with an empty authzid and answers an empty token', async () => {
    const server = new PlainSaslServer(verifier);
    expect(server.mechanism).toBe('PLAIN');
    expect(server.complete).toBe(false);
    expect(await server.evaluate(token('', 'alice', 'alice-secret'))).toEqual(Buffer.alloc(0));
    expect(server.complete).toBe(true);
    expect(server.authorizationId).toBe('alice');
  });

  it('accepts an authzid equal to the user, and UTF-8 names and passwords', async () => {
    const server = new PlainSaslServer(verifier);
    await server.evaluate(token('alice', 'alice', 'alice-secret'));
    expect(server.authorizationId).toBe('alice');
    const utf8 = new PlainSaslServer(verifier);
    await utf8.evaluate(token('', 'ünï', 'kodé'));
    expect(utf8.authorizationId).toBe('ünï');
  });

  it('refuses a wrong password or an unknown user with Kafka’s client-visible message', async () => {
    for (const [user, password] of [
      ['alice', 'wrong'],
      ['alice', 'alice-secret '],
      ['mallory', 'alice-secret'],
    ] as const) {
      const server = new PlainSaslServer(verifier);
      const error = await failure(server.evaluate(token('', user, password)));
      expect(error.message).toBe('Authentication failed: Invalid username or password');
      expect(error.clientVisible).toBe(true);
      expect(error.code).toBe(ErrorCode.SASL_AUTHENTICATION_FAILED);
      expect(server.complete).toBe(false);
      expect(server.authorizationId).toBeUndefined();
    }
  });

  it('refuses an authzid different from the user', async () => {
    const error = await failure(new PlainSaslServer(verifier).evaluate(token('admin', 'alice', 'alice-secret')));
    expect(error.message).toBe('Authentication failed: Client requested an authorization id that is different from username');
    expect(error.clientVisible).toBe(true);
  });

  it('refuses malformed tokens with generic failures', async () => {
    const cases: [Buffer, string][] = [
      [Buffer.from('alice'), 'Invalid SASL/PLAIN response: expected 3 tokens, got 1'],
      [Buffer.from('\0alice'), 'Invalid SASL/PLAIN response: expected 3 tokens, got 2'],
      [Buffer.from('\0alice\0pw\0extra'), 'Invalid SASL/PLAIN response: expected 3 tokens, got 4'],
      [token('', '', 'pw'), 'Authentication failed: username not specified'],
      [token('', 'alice', ''), 'Authentication failed: password not specified'],
    ];
    for (const [bytes, message] of cases) {
      const error = await failure(new PlainSaslServer(verifier).evaluate(bytes));
      expect(error.message).toBe(message);
      expect(error.clientVisible).toBe(false);
    }
  });

  it('reports a verifier failure as Kafka does', async () => {
    const server = new PlainSaslServer(async () => {
      throw new Error('directory down');
    });
    const error = await failure(server.evaluate(token('', 'alice', 'pw')));
    expect(error.message).toBe('Authentication failed: credentials for user could not be verified');
    expect(error.cause).toBeInstanceOf(Error);
  });

  it('takes one token only', async () => {
    const server = new PlainSaslServer(verifier);
    await server.evaluate(token('', 'alice', 'alice-secret'));
    await expect(server.evaluate(token('', 'alice', 'alice-secret'))).rejects.toBeInstanceOf(IllegalSaslStateError);
    const failed = new PlainSaslServer(verifier);
    await failure(failed.evaluate(token('', 'alice', 'nope')));
    await expect(failed.evaluate(token('', 'alice', 'alice-secret'))).rejects.toBeInstanceOf(IllegalSaslStateError);
  });

  it('staticPlainVerifier accepts a Map and compares exactly', async () => {
    const fromMap = staticPlainVerifier(new Map([['bob', 'pw']]));
    expect(await fromMap('bob', 'pw')).toBe(true);
    expect(await fromMap('bob', 'PW')).toBe(false);
    expect(await fromMap('bob', '')).toBe(false);
    expect(await fromMap('carol', 'pw')).toBe(false);
  });
});
