/**
 * Security building blocks of the broker: SASL server mechanisms and the per-connection SASL
 * state machine, the client side of SASL and TLS (followers towards leaders), and the ACL
 * authorizer. Pure (no sockets); see README.md for the wiring.
 */
export {
  ANY_ACL_FILTER,
  AclOperation,
  AclPermissionType,
  CLUSTER_NAME,
  PatternType,
  ResourceType,
  WILDCARD,
  WILDCARD_PRINCIPAL,
  aclBindingFromCreation,
  aclFilterFromRequest,
  aclFilterMatches,
  describeAclsResources,
  entryFilterMatches,
  normalizeHost,
  operationName,
  patternTypeName,
  permissionTypeName,
  principalParts,
  resourcePatternFilterMatches,
  resourceTypeName,
  validateAclBinding,
  validateAclBindingFilter,
  type AclApiError,
  type AclBinding,
  type AclBindingFilter,
} from './acl.js';
export {
  StandardAuthorizer,
  type AclCreateResult,
  type AclDeleteResult,
  type AuthorizationResult,
  type AuthorizerOptions,
} from './authorizer.js';
export { PlainSaslServer, staticPlainVerifier, type PlainVerifier } from './plain.js';
export {
  IllegalSaslStateError,
  SaslAuthenticationError,
  SaslClientError,
  type SaslClientCredentials,
  type SaslClientMechanism,
  type SaslServerMechanism,
} from './sasl-mechanism.js';
export { createSaslClient, PlainSaslClient, ScramSaslClient } from '@strom/kafka-client';
export { PLAINTEXT_CLIENT, clientSecurity, type ClientSecurity, type ClientSecurityOptions } from './client-security.js';
export {
  MIN_REAUTH_INTERVAL_MS,
  SaslSession,
  saslMechanismFactory,
  type SaslAdmission,
  type SaslAuthenticateOutcome,
  type SaslAuthenticateResponseBody,
  type SaslCredentialCallbacks,
  type SaslHandshakeOutcome,
  type SaslHandshakeResponseBody,
  type SaslRawTokenOutcome,
  type SaslSessionOptions,
  type SaslSessionState,
} from './sasl-session.js';
export {
  SCRAM_MECHANISMS,
  ScramSaslServer,
  isScramMechanism,
  makeScramCredential,
  parseScramClientFirst,
  scramCredentialFromSaltedPassword,
  scramIterationsProblem,
  scramSaslName,
  scramUsername,
  type ScramClientFirst,
  type ScramCredential,
  type ScramCredentialLookup,
  type ScramMechanism,
  type ScramMechanismInfo,
  type ScramSaslServerOptions,
} from './scram.js';
