import { ErrorCode } from '@strom/errors';
import { ApiKey, type SaslAuthenticateResponse, type SaslHandshakeResponse } from '@strom/protocol';
import { describe, expect, it } from 'vitest';
import {
  SaslSession,
  saslMechanismFactory,
  staticPlainVerifier,
  type SaslServerMechanism,
  type SaslSessionOptions,
} from '../src/security/index.js';
import { defaultListenerSecurity } from './listener-options.js';

const maxTokenBytes = defaultListenerSecurity.saslMaxReceiveBytes;

const plain = (user: string, password: string, authzid = '') => Buffer.from(`${authzid}\0${user}\0${password}`);
const factory = saslMechanismFactory({ verifyPlain: staticPlainVerifier({ alice: 'a-pw', bob: 'b-pw' }) });

function session(options: Partial<SaslSessionOptions> = {}) {
  const clock = { now: 1_000_000 };
  const s = new SaslSession({ enabledMechanisms: ['PLAIN'], createMechanism: factory, maxTokenBytes, now: () => clock.now, ...options });
  return { s, clock };
}

async function login(s: SaslSession, user = 'alice', password = 'a-pw') {
  await s.admit(ApiKey.SaslHandshake);
  await s.handshake('PLAIN', 1);
  await s.admit(ApiKey.SaslAuthenticate);
  return s.authenticate(plain(user, password), 2);
}

/** A mechanism that never completes: one empty challenge per token. */
const chatty = (): SaslServerMechanism => ({
  mechanism: 'CHATTY',
  complete: false,
  authorizationId: undefined,
  evaluate: async () => Buffer.from('more'),
});

describe('SaslSession: the happy path', () => {
  it('ApiVersions, SaslHandshake v1, SaslAuthenticate → User:alice', async () => {
    const { s } = session();
    expect(s.state).toBe('initial');
    expect(s.admit(ApiKey.ApiVersions)).toEqual({ action: 'process' });
    expect(s.state).toBe('handshake');
    expect(s.admit(ApiKey.SaslHandshake)).toEqual({ action: 'process' });
    const handshake = await s.handshake('PLAIN', 1);
    const handshakeBody: SaslHandshakeResponse = handshake.response;
    expect(handshakeBody).toEqual({ errorCode: ErrorCode.NONE, mechanisms: ['PLAIN'] });
    expect(handshake.closeAfterResponse).toBe(false);
    expect(s.state).toBe('authenticate');
    expect(s.mechanism).toBe('PLAIN');
    expect(s.admit(ApiKey.SaslAuthenticate)).toEqual({ action: 'process' });
    const outcome = await s.authenticate(plain('alice', 'a-pw'), 2);
    const body: SaslAuthenticateResponse = outcome.response;
    expect(body).toEqual({ errorCode: 0, errorMessage: null, authBytes: Buffer.alloc(0), sessionLifetimeMs: 0n });
    expect(outcome.principal).toBe('User:alice');
    expect(outcome.closeAfterResponse).toBe(false);
    expect(s.principal).toBe('User:alice');
    expect(s.authenticated).toBe(true);
    expect(s.connectedClientSupportsReauthentication).toBe(true);
    expect(s.sessionExpiresAtMs).toBeUndefined();
    expect(s.admit(ApiKey.Metadata)).toEqual({ action: 'process' });
    expect(s.admit(ApiKey.Produce)).toEqual({ action: 'process' });
  });

  it('lists enabled mechanisms once each, in configured order, and needs at least one', async () => {
    const { s } = session({ enabledMechanisms: ['SCRAM-SHA-512', 'PLAIN', 'SCRAM-SHA-512'] });
    expect(s.enabledMechanisms).toEqual(['SCRAM-SHA-512', 'PLAIN']);
    expect(() => new SaslSession({ enabledMechanisms: [], createMechanism: factory, maxTokenBytes })).toThrow(
      'No SASL mechanisms are enabled',
    );
  });

  it('uses a custom principal builder', async () => {
    const { s } = session({ principalBuilder: (id, mechanism) => `User:${id}@${mechanism}` });
    expect((await login(s)).principal).toBe('User:alice@PLAIN');
  });

  it('SaslHandshake v0: raw tokens, no Kafka framing', async () => {
    const { s } = session();
    await s.handshake('PLAIN', 0);
    expect(s.state).toBe('authenticate-raw');
    expect(await s.admit(ApiKey.Metadata)).toEqual({ action: 'close', reason: expect.stringContaining('raw SASL token') });

    const { s: raw } = session();
    await raw.handshake('PLAIN', 0);
    expect(await raw.authenticateRaw(plain('alice', 'a-pw'))).toEqual({ token: Buffer.alloc(0), principal: 'User:alice' });
    expect(raw.principal).toBe('User:alice');
    expect(raw.connectedClientSupportsReauthentication).toBe(false);

    const { s: bad } = session();
    await bad.handshake('PLAIN', 0);
    expect(await bad.authenticateRaw(plain('alice', 'nope'))).toEqual({ close: 'Authentication failed: Invalid username or password' });
    expect(bad.state).toBe('failed');
  });
});

describe('SaslSession: failures', () => {
  it('an unknown mechanism gets UNSUPPORTED_SASL_MECHANISM with the enabled list, then close', async () => {
    const { s } = session({ enabledMechanisms: ['PLAIN', 'SCRAM-SHA-256'] });
    const outcome = await s.handshake('GSSAPI', 1);
    expect(outcome.response).toEqual({ errorCode: ErrorCode.UNSUPPORTED_SASL_MECHANISM, mechanisms: ['PLAIN', 'SCRAM-SHA-256'] });
    expect(outcome.closeAfterResponse).toBe(true);
    expect(outcome.reason).toBe('Unsupported SASL mechanism GSSAPI');
    expect(s.state).toBe('failed');
    expect(await s.admit(ApiKey.SaslHandshake)).toEqual({ action: 'close', reason: 'SASL authentication failed' });
  });

  it('an enabled mechanism the factory cannot build is refused like an unsupported one', async () => {
    const { s } = session({ enabledMechanisms: ['PLAIN', 'OAUTHBEARER'] });
    const outcome = await s.handshake('OAUTHBEARER', 1);
    expect(outcome.response.errorCode).toBe(ErrorCode.UNSUPPORTED_SASL_MECHANISM);
    expect(outcome.closeAfterResponse).toBe(true);
  });

  it('a wrong PLAIN password: SASL_AUTHENTICATION_FAILED with Kafka’s message, then close', async () => {
    const { s } = session();
    const outcome = await login(s, 'alice', 'wrong');
    expect(outcome.response).toEqual({
      errorCode: ErrorCode.SASL_AUTHENTICATION_FAILED,
      errorMessage: 'Authentication failed: Invalid username or password',
      authBytes: Buffer.alloc(0),
      sessionLifetimeMs: 0n,
    });
    expect(outcome.closeAfterResponse).toBe(true);
    expect(outcome.principal).toBeUndefined();
    expect(s.principal).toBeUndefined();
    expect(s.state).toBe('failed');
  });

  it('a malformed PLAIN token gets the generic message', async () => {
    const { s } = session();
    await s.handshake('PLAIN', 1);
    const outcome = await s.authenticate(Buffer.from('no-nul-here'), 1);
    expect(outcome.response.errorMessage).toBe(
      'Authentication failed during authentication due to invalid credentials with SASL mechanism PLAIN',
    );
    expect(outcome.reason).toBe('Invalid SASL/PLAIN response: expected 3 tokens, got 1');
  });

  it('bounds the token size (sasl.server.max.receive.size)', async () => {
    const { s } = session({ maxTokenBytes: 16 });
    await s.handshake('PLAIN', 1);
    const outcome = await s.authenticate(plain('alice', 'a-very-long-password'), 1);
    expect(outcome.response.errorCode).toBe(ErrorCode.SASL_AUTHENTICATION_FAILED);
    expect(outcome.response.errorMessage).toBe('Failing SASL authentication due to invalid receive size');
    expect(outcome.closeAfterResponse).toBe(true);
  });

  it('bounds the number of steps', async () => {
    const { s } = session({ enabledMechanisms: ['CHATTY'], createMechanism: chatty, maxSteps: 3 });
    await s.handshake('CHATTY', 1);
    for (let i = 0; i < 3; i++) expect((await s.authenticate(Buffer.from('x'), 1)).response.errorCode).toBe(0);
    const outcome = await s.authenticate(Buffer.from('x'), 1);
    expect(outcome.response.errorCode).toBe(ErrorCode.ILLEGAL_SASL_STATE);
    expect(outcome.closeAfterResponse).toBe(true);
  });

  it('a mechanism that throws something unexpected fails the exchange generically', async () => {
    const broken = (): SaslServerMechanism => ({
      mechanism: 'BROKEN',
      complete: false,
      authorizationId: undefined,
      evaluate: async () => {
        throw new TypeError('bug');
      },
    });
    const { s } = session({ enabledMechanisms: ['BROKEN'], createMechanism: broken });
    await s.handshake('BROKEN', 1);
    const outcome = await s.authenticate(Buffer.from('x'), 1);
    expect(outcome.response.errorCode).toBe(ErrorCode.SASL_AUTHENTICATION_FAILED);
    expect(outcome.reason).toBe('bug');
    expect(outcome.closeAfterResponse).toBe(true);
  });
});

describe('SaslSession: out-of-order requests', () => {
  it('before the handshake: anything but ApiVersions / SaslHandshake closes without an answer', async () => {
    for (const apiKey of [ApiKey.Metadata, ApiKey.SaslAuthenticate, ApiKey.Produce]) {
      const { s } = session();
      const admission = s.admit(apiKey);
      expect(admission).toMatchObject({ action: 'close' });
      expect(s.state).toBe('failed');
    }
    const { s } = session();
    expect(s.admit(ApiKey.Metadata)).toEqual({
      action: 'close',
      reason: 'Unexpected Kafka request of type METADATA during SASL handshake.',
    });
  });

  it('a second ApiVersions before the handshake closes', () => {
    const { s } = session();
    s.admit(ApiKey.ApiVersions);
    expect(s.admit(ApiKey.ApiVersions)).toMatchObject({ action: 'close' });
  });

  it('during authentication: another request is answered ILLEGAL_SASL_STATE, then close', async () => {
    const { s } = session();
    await s.handshake('PLAIN', 1);
    expect(s.admit(ApiKey.OffsetCommit)).toEqual({
      action: 'reject',
      errorCode: ErrorCode.ILLEGAL_SASL_STATE,
      errorMessage: 'Unexpected Kafka request of type OFFSET_COMMIT during SASL authentication.',
    });
    expect(s.state).toBe('failed');
    const { s: again } = session();
    await again.handshake('PLAIN', 1);
    expect(again.admit(ApiKey.SaslHandshake)).toMatchObject({ action: 'reject', errorCode: ErrorCode.ILLEGAL_SASL_STATE });
  });

  it('SaslAuthenticate without a handshake, called directly: ILLEGAL_SASL_STATE and close', async () => {
    const { s } = session();
    const outcome = await s.authenticate(plain('alice', 'a-pw'), 1);
    expect(outcome.response.errorCode).toBe(ErrorCode.ILLEGAL_SASL_STATE);
    expect(outcome.closeAfterResponse).toBe(true);
  });

  it('after authentication: SaslAuthenticate and SaslHandshake get ILLEGAL_SASL_STATE, the connection stays', async () => {
    const { s } = session();
    await login(s);
    expect(s.admit(ApiKey.SaslAuthenticate)).toEqual({ action: 'process' });
    const again = await s.authenticate(plain('bob', 'b-pw'), 1);
    expect(again.response).toMatchObject({
      errorCode: ErrorCode.ILLEGAL_SASL_STATE,
      errorMessage: 'SaslAuthenticate request received after successful authentication',
    });
    expect(again.closeAfterResponse).toBe(false);
    expect(s.admit(ApiKey.SaslHandshake)).toEqual({ action: 'process' });
    const handshake = await s.handshake('PLAIN', 1);
    expect(handshake.response).toEqual({ errorCode: ErrorCode.ILLEGAL_SASL_STATE, mechanisms: [] });
    expect(handshake.closeAfterResponse).toBe(false);
    expect(s.principal).toBe('User:alice');
    expect(s.state).toBe('complete');
  });

  it('serializes: a request admitted while a step is evaluated sees the state after it', async () => {
    let release: (ok: boolean) => void = () => {};
    const slow = saslMechanismFactory({ verifyPlain: () => new Promise<boolean>((resolve) => (release = resolve)) });
    const { s } = session({ createMechanism: slow });
    await s.handshake('PLAIN', 1);
    const step = s.authenticate(plain('alice', 'pw'), 1);
    const next = s.admit(ApiKey.Metadata);
    expect(next).toBeInstanceOf(Promise);
    release(true);
    expect((await step).principal).toBe('User:alice');
    expect(await next).toEqual({ action: 'process' });
    expect(s.admit(ApiKey.Metadata)).toEqual({ action: 'process' });
  });
});

describe('SaslSession: KIP-368 session lifetime and re-authentication', () => {
  it('sends connections.max.reauth.ms as sessionLifetimeMs and closes an expired session at its next request', async () => {
    const { s, clock } = session({ connectionsMaxReauthMs: 60_000 });
    const outcome = await login(s);
    expect(outcome.response.sessionLifetimeMs).toBe(60_000n);
    expect(s.sessionExpiresAtMs).toBe(clock.now + 60_000);
    clock.now += 60_000;
    expect(s.admit(ApiKey.Fetch)).toEqual({ action: 'process' });
    clock.now += 1;
    expect(s.sessionExpired()).toBe(true);
    expect(s.admit(ApiKey.Fetch)).toEqual({ action: 'close', reason: 'SASL session of User:alice expired' });
  });

  it('takes the lifetime per mechanism and principal from a function', async () => {
    const { s } = session({ connectionsMaxReauthMs: (mechanism, principal) => (principal === 'User:bob' ? 5_000 : 0) });
    expect((await login(s, 'bob', 'b-pw')).response.sessionLifetimeMs).toBe(5_000n);
    const { s: other } = session({ connectionsMaxReauthMs: () => 0 });
    expect((await login(other)).response.sessionLifetimeMs).toBe(0n);
    expect(other.sessionExpiresAtMs).toBeUndefined();
  });

  it('re-authenticates with the same mechanism and principal, even after expiry', async () => {
    const { s, clock } = session({ connectionsMaxReauthMs: 10_000 });
    await login(s);
    clock.now += 20_000;
    expect(s.admit(ApiKey.SaslHandshake)).toEqual({ action: 'process' });
    expect(s.state).toBe('reauth-handshake');
    expect(s.authenticated).toBe(true);
    expect((await s.handshake('PLAIN', 1)).response.errorCode).toBe(0);
    expect(s.admit(ApiKey.SaslAuthenticate)).toEqual({ action: 'process' });
    const outcome = await s.authenticate(plain('alice', 'a-pw'), 2);
    expect(outcome.principal).toBe('User:alice');
    expect(outcome.response.sessionLifetimeMs).toBe(10_000n);
    expect(s.sessionExpiresAtMs).toBe(clock.now + 10_000);
    expect(s.admit(ApiKey.Fetch)).toEqual({ action: 'process' });
  });

  it('refuses to change principals on re-authentication', async () => {
    const { s, clock } = session({ connectionsMaxReauthMs: 10_000 });
    await login(s);
    clock.now += 5_000;
    s.admit(ApiKey.SaslHandshake);
    await s.handshake('PLAIN', 1);
    const outcome = await s.authenticate(plain('bob', 'b-pw'), 2);
    expect(outcome.response.errorCode).toBe(ErrorCode.SASL_AUTHENTICATION_FAILED);
    expect(outcome.response.errorMessage).toBe('Cannot change principals during re-authentication from User.alice: User.bob');
    expect(outcome.closeAfterResponse).toBe(true);
    expect(s.state).toBe('failed');
  });

  it('a wrong password on re-authentication says re-authentication', async () => {
    const scramless = saslMechanismFactory({ verifyPlain: staticPlainVerifier({ alice: 'a-pw' }) });
    const { s, clock } = session({ connectionsMaxReauthMs: 10_000, createMechanism: scramless });
    await login(s);
    clock.now += 5_000;
    s.admit(ApiKey.SaslHandshake);
    await s.handshake('PLAIN', 1);
    const outcome = await s.authenticate(Buffer.from('garbage'), 2);
    expect(outcome.response.errorMessage).toBe(
      'Authentication failed during re-authentication due to invalid credentials with SASL mechanism PLAIN',
    );
  });

  it('refuses another mechanism on re-authentication: handshake succeeds, the next token closes', async () => {
    const { s, clock } = session({ enabledMechanisms: ['PLAIN', 'CHATTY'], connectionsMaxReauthMs: 10_000 });
    await login(s);
    clock.now += 5_000;
    s.admit(ApiKey.SaslHandshake);
    const handshake = await s.handshake('CHATTY', 1);
    expect(handshake.response).toEqual({ errorCode: 0, mechanisms: ['PLAIN', 'CHATTY'] });
    expect(s.state).toBe('reauth-bad-mechanism');
    expect(s.admit(ApiKey.SaslAuthenticate)).toEqual({
      action: 'close',
      reason: "SASL mechanism 'CHATTY' requested by client is not supported for re-authentication of mechanism 'PLAIN'",
    });
  });

  it('allows at most one re-authentication a second, and none without a session lifetime', async () => {
    const { s, clock } = session({ connectionsMaxReauthMs: 10_000 });
    await login(s);
    s.admit(ApiKey.SaslHandshake);
    await s.handshake('PLAIN', 1);
    await s.authenticate(plain('alice', 'a-pw'), 2);
    clock.now += 500;
    expect(s.admit(ApiKey.SaslHandshake)).toEqual({ action: 'process' });
    expect((await s.handshake('PLAIN', 1)).response.errorCode).toBe(ErrorCode.ILLEGAL_SASL_STATE);
    expect(s.state).toBe('complete');
    clock.now += 500;
    // Without admit(): handshake() decides about re-authentication itself.
    expect((await s.handshake('PLAIN', 1)).response.errorCode).toBe(0);
    expect(s.state).toBe('authenticate');
  });
});
