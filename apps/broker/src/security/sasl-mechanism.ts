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

export { SaslClientError, type SaslClientCredentials, type SaslClientMechanism } from '@strom/kafka-client';
