export {
  DEFAULT_REQUEST_TIMEOUT_MS,
  KafkaConnection,
  SaslAuthenticationFailedError,
  type KafkaConnectionOptions,
} from './kafka-connection.js';
export { PLAINTEXT_CLIENT, usesSasl, usesTls, type ClientSecurity, type ClientTls, type SecurityProtocol } from './client-security.js';
export { SaslClientError, type SaslClientCredentials, type SaslClientMechanism } from './sasl-client-mechanism.js';
export { createSaslClient } from './sasl-client.js';
export { PlainSaslClient } from './plain-client.js';
export { ScramSaslClient } from './scram-client.js';
export {
  hmac,
  isScramMechanism,
  PRINTABLE_ONLY,
  SCRAM_GRAMMAR,
  SCRAM_MECHANISMS,
  scramSaltedPassword,
  scramSaslName,
  scramUsername,
  SERVER_FINAL,
  SERVER_FIRST,
  type ScramMechanism,
  type ScramMechanismInfo,
} from './scram-mechanism.js';
