import { SaslClientError, type SaslClientCredentials, type SaslClientMechanism } from './sasl-client-mechanism.js';

/**
 * SASL/PLAIN client (RFC 4616) as Kafka's PlainSaslClient (the JDK's): one token
 * `NUL username NUL password` in UTF-8, no authorization id; the server answers with an empty
 * token on success (a failure comes back as the SaslAuthenticate error).
 */
export class PlainSaslClient implements SaslClientMechanism {
  readonly mechanism = 'PLAIN';
  private state: 'initial' | 'sent' | 'complete' = 'initial';

  constructor(private readonly credentials: SaslClientCredentials) {}

  get complete(): boolean {
    return this.state === 'complete';
  }

  async evaluate(challenge: Buffer): Promise<Buffer> {
    switch (this.state) {
      case 'initial':
        if (challenge.length !== 0) throw new SaslClientError('SASL/PLAIN: expected an empty challenge first');
        this.state = 'sent';
        return Buffer.from(`\0${this.credentials.username}\0${this.credentials.password}`, 'utf8');
      case 'sent':
        this.state = 'complete';
        return Buffer.alloc(0);
      case 'complete':
        throw new SaslClientError('SASL/PLAIN: the exchange is already complete');
    }
  }
}
