import { ErrorCode } from '@strom/errors';
import { ApiKey, apiDefinition } from '@strom/protocol';
import { PlainSaslServer, type PlainVerifier } from './plain.js';
import { SaslAuthenticationError, type SaslServerMechanism } from './sasl-mechanism.js';
import { isScramMechanism, ScramSaslServer, type ScramCredentialLookup } from './scram.js';

/** Kafka's minimum time between two re-authentications of one connection (KafkaChannel). */
export const MIN_REAUTH_INTERVAL_MS = 1_000;

export interface SaslSessionOptions {
  /** `sasl.enabled.mechanisms` of the listener, e.g. `['SCRAM-SHA-512', 'PLAIN']`. Must not be empty. */
  readonly enabledMechanisms: readonly string[];
  /** Creates the server side of an enabled mechanism for one exchange; see {@link saslMechanismFactory}. */
  readonly createMechanism: (mechanism: string) => SaslServerMechanism;
  /**
   * KIP-368 `connections.max.reauth.ms` (per mechanism or principal if a function): the session
   * lifetime sent in the final SaslAuthenticate response. 0 (the default) = no expiry, no
   * re-authentication. When positive the client must re-authenticate before it runs out; a
   * connection whose session expired is closed at its next request other than SaslHandshake.
   */
  readonly connectionsMaxReauthMs?: number | ((mechanism: string, principal: string) => number);
  /** The principal of an authenticated authorization id; Kafka's default builder gives `User:<id>`. */
  readonly principalBuilder?: (authorizationId: string, mechanism: string) => string;
  /** Bound on SaslAuthenticate steps per (re-)authentication (PLAIN needs 1, SCRAM 2). Default 10. */
  readonly maxSteps?: number;
  /** Bound on one SASL token: the listener's `sasl.server.max.receive.size`. */
  readonly maxTokenBytes: number;
  /** Clock, ms since the epoch. Default `Date.now`. */
  readonly now?: () => number;
}

/**
 * - `initial`: nothing yet (Kafka INITIAL_REQUEST / HANDSHAKE_OR_VERSIONS_REQUEST): ApiVersions or SaslHandshake.
 * - `handshake`: after ApiVersions (HANDSHAKE_REQUEST): SaslHandshake only.
 * - `authenticate`: after SaslHandshake v1+: SaslAuthenticate requests only.
 * - `authenticate-raw`: after SaslHandshake v0: raw size-prefixed SASL tokens, no Kafka framing.
 * - `complete`: authenticated; every request is served.
 * - `reauth-handshake`: authenticated, a SaslHandshake starting re-authentication was admitted.
 * - `reauth-bad-mechanism`: re-authentication asked for another mechanism; the next token closes.
 * - `failed`: the connection must be closed.
 */
export type SaslSessionState =
  'initial' | 'handshake' | 'authenticate' | 'authenticate-raw' | 'complete' | 'reauth-handshake' | 'reauth-bad-mechanism' | 'failed';

/** What to do with a request, decided before it is handled. */
export type SaslAdmission =
  /** Handle it as usual (SaslHandshake / SaslAuthenticate handlers call the session). */
  | { readonly action: 'process' }
  /** Answer with this API's error response carrying `errorCode`, then close the connection. */
  | { readonly action: 'reject'; readonly errorCode: ErrorCode; readonly errorMessage: string }
  /** Close the connection without answering. */
  | { readonly action: 'close'; readonly reason: string };

/** Structurally a SaslHandshakeResponse body. */
export interface SaslHandshakeResponseBody {
  errorCode: ErrorCode;
  mechanisms: string[];
}

/** Structurally a SaslAuthenticateResponse body. */
export interface SaslAuthenticateResponseBody {
  errorCode: ErrorCode;
  errorMessage: string | null;
  authBytes: Buffer;
  sessionLifetimeMs: bigint;
}

export interface SaslHandshakeOutcome {
  readonly response: SaslHandshakeResponseBody;
  /** Write the response, then close the connection (Kafka does after every authentication failure). */
  readonly closeAfterResponse: boolean;
  /** For the broker log: why it failed. Never sent to the client. */
  readonly reason?: string;
}

export interface SaslAuthenticateOutcome {
  readonly response: SaslAuthenticateResponseBody;
  readonly closeAfterResponse: boolean;
  /** Set when this step completed (re-)authentication: the connection's principal from now on. */
  readonly principal?: string;
  readonly reason?: string;
}

/** The answer to a raw token (after SaslHandshake v0). */
export interface SaslRawTokenOutcome {
  /** Write as one size-prefixed frame (no Kafka response header); `undefined` = write nothing. */
  readonly token?: Buffer;
  /** Close the connection (after writing `token`, if any). */
  readonly close?: string;
  readonly principal?: string;
}

/**
 * The SASL state of one connection on a SASL_PLAINTEXT listener, after Kafka's
 * `SaslServerAuthenticator` (and KafkaApis / SocketServer for what follows authentication):
 * ApiVersions? → SaslHandshake → SaslAuthenticate… → authenticated principal, with KIP-368
 * re-authentication when a session lifetime is configured.
 *
 * Pure: no sockets. The connection asks {@link admit} about every request in arrival order, the
 * SaslHandshake handler calls {@link handshake}, the SaslAuthenticate handler {@link authenticate}
 * (raw frames after a v0 handshake go to {@link authenticateRaw}). Calls are serialized in call
 * order, so pipelined requests see the state their predecessors left (as Kafka, which reads the
 * next request only once the previous SASL response is written).
 */
export class SaslSession {
  private readonly enabled: string[];
  private readonly now: () => number;
  private readonly maxSteps: number;
  private readonly maxTokenBytes: number;
  private currentState: SaslSessionState = 'initial';
  private server: SaslServerMechanism | undefined;
  private currentMechanism: string | undefined;
  private currentPrincipal: string | undefined;
  private steps = 0;
  private reauthenticating = false;
  private badMechanismMessage: string | undefined;
  private expiresAtMs: number | undefined;
  private lastReauthStartMs: number | undefined;
  private clientSupportsReauth = false;
  private tail: Promise<unknown> = Promise.resolve();
  private pending = 0;

  constructor(private readonly options: SaslSessionOptions) {
    this.enabled = [...new Set(options.enabledMechanisms)];
    if (this.enabled.length === 0) throw new Error('No SASL mechanisms are enabled');
    this.now = options.now ?? Date.now;
    this.maxSteps = options.maxSteps ?? 10;
    this.maxTokenBytes = options.maxTokenBytes;
  }

  get state(): SaslSessionState {
    return this.currentState;
  }

  /** Whether a principal has been authenticated (it stays valid during a re-authentication). */
  get authenticated(): boolean {
    return this.currentPrincipal !== undefined && this.currentState !== 'failed';
  }

  /** The authenticated principal (`User:alice`), or `undefined` before authentication. */
  get principal(): string | undefined {
    return this.currentPrincipal;
  }

  /** The mechanism negotiated by the last SaslHandshake. */
  get mechanism(): string | undefined {
    return this.currentMechanism;
  }

  /** When the authenticated session expires (KIP-368), or `undefined` for never. */
  get sessionExpiresAtMs(): number | undefined {
    return this.expiresAtMs;
  }

  /** Whether the client used SaslAuthenticate v1+, i.e. can re-authenticate (for metrics and logs). */
  get connectedClientSupportsReauthentication(): boolean {
    return this.clientSupportsReauth;
  }

  /** The enabled mechanisms, as SaslHandshake responses list them. */
  get enabledMechanisms(): readonly string[] {
    return this.enabled;
  }

  /** Whether the authenticated session has expired at `nowMs`. */
  sessionExpired(nowMs: number = this.now()): boolean {
    return this.expiresAtMs !== undefined && nowMs > this.expiresAtMs;
  }

  /**
   * Decides, in arrival order, what happens to a request with this API key. Synchronous unless a
   * SASL step is still being evaluated, in which case it resolves once that step is done.
   */
  admit(apiKey: number): SaslAdmission | Promise<SaslAdmission> {
    return this.serialized(() => this.admitNow(apiKey));
  }

  /** Handles SaslHandshake (v0-1). */
  handshake(mechanism: string, apiVersion: number): Promise<SaslHandshakeOutcome> {
    return Promise.resolve(this.serialized(() => this.handshakeNow(mechanism, apiVersion)));
  }

  /** Handles SaslAuthenticate (v0-2): evaluates `authBytes` with the negotiated mechanism. */
  authenticate(authBytes: Buffer, apiVersion: number): Promise<SaslAuthenticateOutcome> {
    return Promise.resolve(this.serialized(() => this.authenticateNow(authBytes, apiVersion)));
  }

  /** Handles one raw SASL token (the payload of a size-prefixed frame) after SaslHandshake v0. */
  authenticateRaw(token: Buffer): Promise<SaslRawTokenOutcome> {
    return Promise.resolve(this.serialized(() => this.authenticateRawNow(token)));
  }

  private admitNow(apiKey: number): SaslAdmission {
    const name = kafkaApiName(apiKey);
    switch (this.currentState) {
      case 'initial':
        if (apiKey === ApiKey.ApiVersions) {
          this.currentState = 'handshake';
          return PROCESS;
        }
        if (apiKey === ApiKey.SaslHandshake) return PROCESS;
        return this.closeNow(`Unexpected Kafka request of type ${name} during SASL handshake.`);
      case 'handshake':
        if (apiKey === ApiKey.SaslHandshake) return PROCESS;
        if (apiKey === ApiKey.ApiVersions)
          return this.closeNow('Unexpected ApiVersions request received during SASL authentication state HANDSHAKE_REQUEST');
        return this.closeNow(`Unexpected Kafka request of type ${name} during SASL handshake.`);
      case 'authenticate':
        if (apiKey === ApiKey.SaslAuthenticate) return PROCESS;
        this.fail();
        return {
          action: 'reject',
          errorCode: ErrorCode.ILLEGAL_SASL_STATE,
          errorMessage: `Unexpected Kafka request of type ${name} during SASL authentication.`,
        };
      case 'authenticate-raw':
        return this.closeNow(`Kafka request ${name} received where a raw SASL token was expected (SaslHandshake v0)`);
      case 'reauth-handshake':
        return this.closeNow(`Kafka request ${name} received while a SaslHandshake starting re-authentication is pending`);
      case 'reauth-bad-mechanism':
        return this.closeNow(this.badMechanismMessage ?? 'Re-authentication with a different SASL mechanism');
      case 'failed':
        return { action: 'close', reason: 'SASL authentication failed' };
      case 'complete': {
        const nowMs = this.now();
        if (apiKey === ApiKey.SaslHandshake && this.canBeginReauthentication(nowMs)) {
          this.lastReauthStartMs = nowMs;
          this.currentState = 'reauth-handshake';
          return PROCESS;
        }
        if (this.sessionExpired(nowMs)) return this.closeNow(`SASL session of ${this.currentPrincipal} expired`);
        return PROCESS;
      }
    }
  }

  private handshakeNow(mechanism: string, apiVersion: number): SaslHandshakeOutcome {
    let state = this.currentState;
    if (state === 'complete' && this.canBeginReauthentication(this.now())) {
      // The connection did not ask admit() first: decide about re-authentication here.
      this.lastReauthStartMs = this.now();
      state = this.currentState = 'reauth-handshake';
    }
    switch (state) {
      case 'complete':
        // KafkaApis answers a SaslHandshake on an authenticated connection; the connection stays.
        return { response: { errorCode: ErrorCode.ILLEGAL_SASL_STATE, mechanisms: [] }, closeAfterResponse: false };
      case 'initial':
      case 'handshake':
      case 'reauth-handshake': {
        const reauth = state === 'reauth-handshake';
        if (!this.enabled.includes(mechanism)) {
          this.fail();
          return {
            response: { errorCode: ErrorCode.UNSUPPORTED_SASL_MECHANISM, mechanisms: [...this.enabled] },
            closeAfterResponse: true,
            reason: `Unsupported SASL mechanism ${mechanism}`,
          };
        }
        if (reauth && mechanism !== this.currentMechanism) {
          this.badMechanismMessage = `SASL mechanism '${mechanism}' requested by client is not supported for re-authentication of mechanism '${this.currentMechanism}'`;
          this.currentState = 'reauth-bad-mechanism';
          return { response: { errorCode: ErrorCode.NONE, mechanisms: [...this.enabled] }, closeAfterResponse: false };
        }
        let server: SaslServerMechanism;
        try {
          server = this.options.createMechanism(mechanism);
        } catch (error) {
          this.fail();
          return {
            response: { errorCode: ErrorCode.UNSUPPORTED_SASL_MECHANISM, mechanisms: [...this.enabled] },
            closeAfterResponse: true,
            reason: `Kafka Server failed to create a SaslServer for mechanism ${mechanism}: ${errorText(error)}`,
          };
        }
        this.server = server;
        this.currentMechanism = mechanism;
        this.reauthenticating = reauth;
        this.steps = 0;
        this.currentState = apiVersion >= 1 ? 'authenticate' : 'authenticate-raw';
        return { response: { errorCode: ErrorCode.NONE, mechanisms: [...this.enabled] }, closeAfterResponse: false };
      }
      default: {
        const reason = `Unexpected SaslHandshake request in SASL state ${state}`;
        this.fail();
        return { response: { errorCode: ErrorCode.ILLEGAL_SASL_STATE, mechanisms: [] }, closeAfterResponse: true, reason };
      }
    }
  }

  private authenticateNow(authBytes: Buffer, apiVersion: number): SaslAuthenticateOutcome | Promise<SaslAuthenticateOutcome> {
    if (this.currentState === 'complete') {
      return {
        response: authenticateResponse(ErrorCode.ILLEGAL_SASL_STATE, 'SaslAuthenticate request received after successful authentication'),
        closeAfterResponse: false,
      };
    }
    if (this.currentState !== 'authenticate') {
      const reason = `Unexpected SaslAuthenticate request in SASL state ${this.currentState}`;
      this.fail();
      return { response: authenticateResponse(ErrorCode.ILLEGAL_SASL_STATE, reason), closeAfterResponse: true, reason };
    }
    if (apiVersion > 0) this.clientSupportsReauth = true;
    const limit = this.checkLimits(authBytes);
    if (limit) {
      this.fail();
      return { response: authenticateResponse(limit.errorCode, limit.message), closeAfterResponse: true, reason: limit.message };
    }
    return this.evaluate(authBytes).then((step): SaslAuthenticateOutcome => {
      if (!step.ok) {
        return { response: authenticateResponse(step.errorCode, step.clientMessage), closeAfterResponse: true, reason: step.reason };
      }
      if (step.completedPrincipal === undefined) {
        return { response: authenticateResponse(ErrorCode.NONE, null, step.token), closeAfterResponse: false };
      }
      return {
        response: authenticateResponse(ErrorCode.NONE, null, step.token, BigInt(step.lifetimeMs)),
        closeAfterResponse: false,
        principal: step.completedPrincipal,
      };
    });
  }

  private authenticateRawNow(token: Buffer): SaslRawTokenOutcome | Promise<SaslRawTokenOutcome> {
    if (this.currentState !== 'authenticate-raw') {
      const reason = `Raw SASL token received in SASL state ${this.currentState}`;
      this.fail();
      return { close: reason };
    }
    const limit = this.checkLimits(token);
    if (limit) {
      this.fail();
      return { close: limit.message };
    }
    return this.evaluate(token).then((step): SaslRawTokenOutcome => {
      if (!step.ok) return { close: step.reason };
      return step.completedPrincipal === undefined ? { token: step.token } : { token: step.token, principal: step.completedPrincipal };
    });
  }

  /** One token through the mechanism; on success with completion, the session becomes `complete`. */
  private async evaluate(token: Buffer): Promise<StepResult> {
    const server = this.server!;
    const mechanism = this.currentMechanism!;
    this.steps++;
    const generic = `Authentication failed during ${this.reauthenticating ? 're-authentication' : 'authentication'} due to invalid credentials with SASL mechanism ${mechanism}`;
    let response: Buffer;
    try {
      response = await server.evaluate(token);
    } catch (error) {
      this.fail();
      return stepFailure(error, generic);
    }
    if (!server.complete) return { ok: true, token: response, lifetimeMs: 0 };
    const authorizationId = server.authorizationId ?? '';
    const principal = this.options.principalBuilder?.(authorizationId, mechanism) ?? `User:${authorizationId}`;
    if (this.reauthenticating && principal !== this.currentPrincipal) {
      const message = `Cannot change principals during re-authentication from ${dotted(this.currentPrincipal ?? '')}: ${dotted(principal)}`;
      this.fail();
      return { ok: false, errorCode: ErrorCode.SASL_AUTHENTICATION_FAILED, clientMessage: message, reason: message };
    }
    const configured = this.options.connectionsMaxReauthMs;
    const maxReauthMs = typeof configured === 'function' ? configured(mechanism, principal) : (configured ?? 0);
    const lifetimeMs = Number.isFinite(maxReauthMs) && maxReauthMs > 0 ? Math.floor(maxReauthMs) : 0;
    this.expiresAtMs = lifetimeMs > 0 ? this.now() + lifetimeMs : undefined;
    this.currentPrincipal = principal;
    this.server = undefined;
    this.reauthenticating = false;
    this.currentState = 'complete';
    return { ok: true, token: response, completedPrincipal: principal, lifetimeMs };
  }

  private checkLimits(token: Buffer): { errorCode: ErrorCode; message: string } | undefined {
    if (token.length > this.maxTokenBytes) {
      return { errorCode: ErrorCode.SASL_AUTHENTICATION_FAILED, message: 'Failing SASL authentication due to invalid receive size' };
    }
    if (this.steps >= this.maxSteps) {
      return { errorCode: ErrorCode.ILLEGAL_SASL_STATE, message: `SASL authentication exceeded ${this.maxSteps} steps` };
    }
    return undefined;
  }

  /** KafkaChannel.maybeBeginServerReauthentication: only with a session expiry, at most once a second. */
  private canBeginReauthentication(nowMs: number): boolean {
    if (this.expiresAtMs === undefined) return false;
    return this.lastReauthStartMs === undefined || nowMs - this.lastReauthStartMs >= MIN_REAUTH_INTERVAL_MS;
  }

  private closeNow(reason: string): SaslAdmission {
    this.fail();
    return { action: 'close', reason };
  }

  private fail(): void {
    this.currentState = 'failed';
    this.server = undefined;
  }

  /** Runs `fn` now if nothing is pending, else after everything called before it. */
  private serialized<T>(fn: () => T | Promise<T>): T | Promise<T> {
    if (this.pending === 0) {
      const result = fn();
      if (result instanceof Promise) this.track(result);
      return result;
    }
    const next = this.tail.then(fn);
    this.track(next);
    return next;
  }

  /**
   * Counts `promise` as pending until it settles. The counter drops in a reaction registered
   * before the caller's, so a caller that awaited a step finds the session idle again.
   */
  private track(promise: Promise<unknown>): void {
    this.pending++;
    const settled = promise.then(
      () => void this.pending--,
      () => void this.pending--,
    );
    this.tail = settled;
  }
}

const PROCESS: SaslAdmission = Object.freeze({ action: 'process' });

interface StepFailure {
  readonly ok: false;
  readonly errorCode: ErrorCode;
  readonly clientMessage: string;
  readonly reason: string;
}

type StepResult =
  { readonly ok: true; readonly token: Buffer; readonly completedPrincipal?: string; readonly lifetimeMs: number } | StepFailure;

function stepFailure(error: unknown, generic: string): StepFailure {
  if (error instanceof SaslAuthenticationError) {
    return { ok: false, errorCode: error.code, clientMessage: error.clientVisible ? error.message : generic, reason: error.message };
  }
  if (error instanceof Error && 'code' in error && error.code === ErrorCode.ILLEGAL_SASL_STATE) {
    return { ok: false, errorCode: ErrorCode.ILLEGAL_SASL_STATE, clientMessage: error.message, reason: error.message };
  }
  // A mechanism or callback bug: fail the exchange like any SaslException, and keep the detail for the log.
  return { ok: false, errorCode: ErrorCode.SASL_AUTHENTICATION_FAILED, clientMessage: generic, reason: errorText(error) };
}

function authenticateResponse(
  errorCode: ErrorCode,
  errorMessage: string | null,
  authBytes: Buffer = Buffer.alloc(0),
  sessionLifetimeMs = 0n,
): SaslAuthenticateResponseBody {
  return { errorCode, errorMessage, authBytes, sessionLifetimeMs };
}

/** `User:alice` → `User.alice`, as Kafka's re-authentication message prints principals. */
function dotted(principal: string): string {
  const colon = principal.indexOf(':');
  return colon < 0 ? principal : `${principal.slice(0, colon)}.${principal.slice(colon + 1)}`;
}

/** Kafka's ApiKeys enum name: `OffsetCommit` → `OFFSET_COMMIT`. */
function kafkaApiName(apiKey: number): string {
  const name = apiDefinition(apiKey)?.name;
  return name === undefined ? `UNKNOWN(${apiKey})` : name.replace(/(?<=[a-z0-9])(?=[A-Z])/g, '_').toUpperCase();
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Credentials the built-in mechanisms check against. */
export interface SaslCredentialCallbacks {
  /** PLAIN: whether the password is right for the user. */
  readonly verifyPlain?: PlainVerifier;
  /** SCRAM-SHA-256/512: the stored credential of a user, `undefined` if unknown. */
  readonly lookupScram?: ScramCredentialLookup;
  /** SCRAM server nonce source, for tests. */
  readonly scramServerNonce?: () => string;
}

/**
 * `createMechanism` for {@link SaslSessionOptions}: PLAIN when `verifyPlain` is given, SCRAM-SHA-256
 * and SCRAM-SHA-512 when `lookupScram` is. Throws for any other mechanism.
 */
export function saslMechanismFactory(callbacks: SaslCredentialCallbacks): (mechanism: string) => SaslServerMechanism {
  return (mechanism) => {
    if (mechanism === 'PLAIN' && callbacks.verifyPlain) return new PlainSaslServer(callbacks.verifyPlain);
    if (isScramMechanism(mechanism) && callbacks.lookupScram) {
      return new ScramSaslServer({
        mechanism,
        lookupCredential: callbacks.lookupScram,
        ...(callbacks.scramServerNonce ? { serverNonce: callbacks.scramServerNonce } : {}),
      });
    }
    throw new Error(`SASL mechanism ${mechanism} is not supported by this broker`);
  };
}
