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
