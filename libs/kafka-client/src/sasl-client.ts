import { PlainSaslClient } from './plain-client.js';
import { isScramMechanism } from './scram-mechanism.js';
import { SaslClientError, type SaslClientCredentials, type SaslClientMechanism } from './sasl-client-mechanism.js';
import { ScramSaslClient } from './scram-client.js';

/** The client mechanisms Strom implements: PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512. */
export function createSaslClient(mechanism: string, credentials: SaslClientCredentials): SaslClientMechanism {
  if (mechanism === 'PLAIN') return new PlainSaslClient(credentials);
  if (isScramMechanism(mechanism)) return new ScramSaslClient(mechanism, credentials);
  throw new SaslClientError(`SASL mechanism ${mechanism} is not supported by Strom as a client (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512)`);
}
