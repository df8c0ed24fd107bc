import { ErrorCode, KafkaError } from '@strom/errors';

/**
 * The server side of one SASL mechanism for one authentication exchange (Kafka's `SaslServer`):
 * client tokens in, server tokens out, until {@link complete}. One instance per exchange; a
 * re-authentication gets a fresh one.
 */
export interface SaslServerMechanism {
  /** The mechanism name as negotiated by SaslHandshake, e.g. `SCRAM-SHA-256`. */
  readonly mechanism: string;
  /** Whether the exchange has succeeded. */
  readonly complete: boolean;
  /** The authenticated (and authorized) user name once {@link complete}, else `undefined`. */
  readonly authorizationId: string | undefined;
  /**
   * Evaluates one client token and resolves to the server's token (possibly empty). Rejects with
   * {@link SaslAuthenticationError} when authentication fails, or a {@link KafkaError} with
   * ILLEGAL_SASL_STATE for a token the mechanism does not expect; either way the exchange is over.
   */
  evaluate(token: Buffer): Promise<Buffer>;
}

/**
 * Authentication failed. `message` is for the broker log only. Kafka tells two failures apart:
 * `SaslAuthenticationException` carries a message meant for the client (`clientVisible`), while
 * any other `SaslException` is answered with a generic text that reveals nothing (e.g. whether
 * the user exists): "Authentication failed during authentication due to invalid credentials with
 * SASL mechanism X".
 */
export class SaslAuthenticationError extends KafkaError {
  /** Whether {@link message} may be sent to the client as the SaslAuthenticate error message. */
  readonly clientVisible: boolean;

  constructor(message: string, options?: { clientVisible?: boolean; cause?: unknown }) {
    super(ErrorCode.SASL_AUTHENTICATION_FAILED, message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.clientVisible = options?.clientVisible ?? false;
  }
}

/** A token arrived in a state where the mechanism expects none (Kafka's IllegalSaslStateException). */
export class IllegalSaslStateError extends KafkaError {
  constructor(message: string) {
    super(ErrorCode.ILLEGAL_SASL_STATE, message);
  }
}

/**
 * The client side of one SASL mechanism for one authentication exchange (Kafka's `SaslClient`):
 * server tokens in, client tokens out, until {@link complete}. Every mechanism Strom speaks as a
 * client (PLAIN, SCRAM) sends the first token, so the exchange starts with an empty challenge.
 */
export interface SaslClientMechanism {
  readonly mechanism: string;
  /** Whether the exchange succeeded: the server's last token was what this side expected. */
  readonly complete: boolean;
  /**
   * The next token for the server's `challenge` (empty for the first). Rejects with
   * {@link SaslClientError} when the server's answer is malformed or does not prove it knows
   * the credential; the exchange is then over.
   */
  evaluate(challenge: Buffer): Promise<Buffer>;
}

/** The client's side of an exchange failed (Kafka's SaslException in a SaslClient). */
export class SaslClientError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SaslClientError';
  }
}

/** A user name and password: the `username` and `password` options of Kafka's PLAIN and SCRAM login modules. */
export interface SaslClientCredentials {
  readonly username: string;
  readonly password: string;
}
