import type { AlterScramCredentialsCommand, ScramMechanismName } from '@strom/contracts';
import { ErrorCode } from '@strom/errors';
import {
  createAlterUserScramCredentialsResponse,
  createCreateAclsResponse,
  createDeleteAclsResponse,
  createDescribeAclsResponse,
  createDescribeUserScramCredentialsResponse,
  createSaslAuthenticateResponse,
  createSaslHandshakeResponse,
  type AlterUserScramCredentialsRequest,
  type AlterUserScramCredentialsResponse,
  type CreateAclsRequest,
  type CreateAclsResponse,
  type DeleteAclsRequest,
  type DeleteAclsResponse,
  type DescribeAclsRequest,
  type DescribeAclsResponse,
  type DescribeUserScramCredentialsRequest,
  type DescribeUserScramCredentialsResponse,
  type SaslAuthenticateRequest,
  type SaslAuthenticateResponse,
  type SaslHandshakeRequest,
  type SaslHandshakeResponse,
} from '@strom/protocol';
import { CloseConnectionError, type ClientContext } from '../network/request-handler.js';
import {
  AclOperation,
  aclBindingFromCreation,
  aclFilterFromRequest,
  describeAclsResources,
  validateAclBinding,
  validateAclBindingFilter,
  type AclBinding,
} from '../security/acl.js';
import type { RequestAuthorizer } from '../security/request-authorizer.js';
import { SCRAM_MECHANISMS, scramCredentialFromSaltedPassword, type ScramMechanism } from '../security/scram.js';
import type { SecurityMetadataClient } from '../security/security-metadata.js';

const CLUSTER_AUTHORIZATION_FAILED = 'Cluster authorization failed.';
/** Kafka's AclApis: CreateAcls and DeleteAcls say the first, DescribeAcls the second. */
const NO_AUTHORIZER = 'No Authorizer is configured.';
const NO_AUTHORIZER_ON_BROKER = 'No Authorizer is configured on the broker';
const ALTERED_TWICE = 'A user credential cannot be altered twice in the same request';
/** ScramControlManager.MAX_ITERATIONS. */
const MAX_SCRAM_ITERATIONS = 16_384;

/**
 * SaslHandshake. On a SASL listener the connection's {@link SaslSession} answers (a failure is
 * written, then the connection closed); on a PLAINTEXT listener, and once authenticated, Kafka's
 * KafkaApis answers ILLEGAL_SASL_STATE with no mechanisms and keeps the connection.
 */
export function handleSaslHandshake() {
  return async (body: SaslHandshakeRequest, apiVersion: number, client: ClientContext): Promise<SaslHandshakeResponse> => {
    if (!client.sasl) return createSaslHandshakeResponse({ errorCode: ErrorCode.ILLEGAL_SASL_STATE, mechanisms: [] });
    const outcome = await client.sasl.handshake(body.mechanism, apiVersion);
    const response = createSaslHandshakeResponse(outcome.response);
    if (outcome.closeAfterResponse) throw new CloseConnectionError(outcome.reason ?? 'SASL handshake failed', { response });
    return response;
  };
}

/** SaslAuthenticate: one SASL token through the negotiated mechanism; the principal once complete. */
export function handleSaslAuthenticate() {
  return async (body: SaslAuthenticateRequest, apiVersion: number, client: ClientContext): Promise<SaslAuthenticateResponse> => {
    if (!client.sasl) {
      return createSaslAuthenticateResponse({
        errorCode: ErrorCode.ILLEGAL_SASL_STATE,
        errorMessage: 'SaslAuthenticate request received after successful authentication',
      });
    }
    const outcome = await client.sasl.authenticate(body.authBytes, apiVersion);
    const response = createSaslAuthenticateResponse(outcome.response);
    if (outcome.principal !== undefined) client.principal = outcome.principal;
    if (outcome.closeAfterResponse) throw new CloseConnectionError(outcome.reason ?? 'SASL authentication failed', { response });
    return response;
  };
}

/** Kafka's mechanism type codes (1: SCRAM-SHA-256, 2: SCRAM-SHA-512); anything else is UNKNOWN. */
function scramMechanismOfType(type: number): ScramMechanism | undefined {
  return Object.values(SCRAM_MECHANISMS).find((info) => info.type === type)?.name;
}

/**
 * DescribeUserScramCredentials (DESCRIBE on the cluster): the mechanisms and iterations of the
 * named users (all users for a null or empty list), as Kafka's ScramImage.describe answers.
 */
export function handleDescribeUserScramCredentials(security: SecurityMetadataClient, authorization: RequestAuthorizer) {
  return async (body: DescribeUserScramCredentialsRequest, _apiVersion: number, client: ClientContext) => {
    if (!authorization.allowedOnCluster(client, AclOperation.DESCRIBE)) {
      return createDescribeUserScramCredentialsResponse({
        errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED,
        errorMessage: CLUSTER_AUTHORIZATION_FAILED,
      });
    }
    const requested = body.users === null || body.users.length === 0 ? null : body.users.map((user) => user.name);
    const counts = new Map<string, number>();
    for (const name of requested ?? []) counts.set(name, (counts.get(name) ?? 0) + 1);
    const stored = await security.describeScram(requested === null ? null : [...counts.keys()]);
    const byUser = new Map<string, { mechanism: number; iterations: number }[]>();
    for (const credential of stored) {
      const infos = byUser.get(credential.user) ?? [];
      infos.push({ mechanism: SCRAM_MECHANISMS[credential.mechanism].type, iterations: credential.iterations });
      byUser.set(credential.user, infos);
    }
    const users = requested === null ? [...byUser.keys()] : [...counts.keys()];
    const response: DescribeUserScramCredentialsResponse = createDescribeUserScramCredentialsResponse({
      results: users.map((user) => {
        if ((counts.get(user) ?? 1) > 1) {
          return {
            user,
            errorCode: ErrorCode.DUPLICATE_RESOURCE,
            errorMessage: `Cannot describe SCRAM credentials for the same user twice in a single request: ${user}`,
            credentialInfos: [],
          };
        }
        const infos = byUser.get(user);
        if (!infos) {
          return {
            user,
            errorCode: ErrorCode.RESOURCE_NOT_FOUND,
            errorMessage: `Attempt to describe a user credential that does not exist: ${user}`,
            credentialInfos: [],
          };
        }
        return { user, errorCode: ErrorCode.NONE, errorMessage: null, credentialInfos: infos };
      }),
    });
    return response;
  };
}

/**
 * AlterUserScramCredentials (ALTER on the cluster), with the checks of Kafka's
 * ScramControlManager: one change per user per request (DUPLICATE_RESOURCE), a non-empty user
 * name and a known mechanism, 4096..16384 iterations (UNACCEPTABLE_CREDENTIAL), and deleting
 * only what exists (RESOURCE_NOT_FOUND). The stored form is derived from the salted password.
 */
export function handleAlterUserScramCredentials(security: SecurityMetadataClient, authorization: RequestAuthorizer) {
  return async (body: AlterUserScramCredentialsRequest, _apiVersion: number, client: ClientContext) => {
    const result = (user: string, errorCode: ErrorCode, errorMessage: string | null) => ({ user, errorCode, errorMessage });
    if (!authorization.allowedOnCluster(client, AclOperation.ALTER)) {
      const users = [...new Set([...body.deletions, ...body.upsertions].map((change) => change.name))];
      return createAlterUserScramCredentialsResponse({
        results: users.map((user) => result(user, ErrorCode.CLUSTER_AUTHORIZATION_FAILED, CLUSTER_AUTHORIZATION_FAILED)),
      });
    }
    const errors = new Map<string, { errorCode: ErrorCode; errorMessage: string }>();
    const deletions = new Map<string, ScramMechanism>();
    const upsertions = new Map<string, AlterScramCredentialsCommand['upsertions'][number]>();
    const fail = (user: string, errorCode: ErrorCode, errorMessage: string) => errors.set(user, { errorCode, errorMessage });
    const nameAndMechanism = (name: string, type: number): ScramMechanism | undefined => {
      if (name === '') fail(name, ErrorCode.UNACCEPTABLE_CREDENTIAL, 'Username must not be empty');
      else {
        const mechanism = scramMechanismOfType(type);
        if (mechanism) return mechanism;
        fail(name, ErrorCode.UNSUPPORTED_SASL_MECHANISM, 'Unknown SCRAM mechanism');
      }
      return undefined;
    };
    for (const deletion of body.deletions) {
      if (errors.has(deletion.name)) continue;
      if (deletions.delete(deletion.name)) {
        fail(deletion.name, ErrorCode.DUPLICATE_RESOURCE, ALTERED_TWICE);
        continue;
      }
      const mechanism = nameAndMechanism(deletion.name, deletion.mechanism);
      if (mechanism) deletions.set(deletion.name, mechanism);
    }
    for (const upsertion of body.upsertions) {
      const name = upsertion.name;
      if (errors.has(name)) continue;
      if (deletions.delete(name) || upsertions.delete(name)) {
        fail(name, ErrorCode.DUPLICATE_RESOURCE, ALTERED_TWICE);
        continue;
      }
      const mechanism = nameAndMechanism(name, upsertion.mechanism);
      if (!mechanism) continue;
      if (upsertion.iterations < SCRAM_MECHANISMS[mechanism].minIterations) {
        fail(name, ErrorCode.UNACCEPTABLE_CREDENTIAL, 'Too few iterations');
        continue;
      }
      if (upsertion.iterations > MAX_SCRAM_ITERATIONS) {
        fail(name, ErrorCode.UNACCEPTABLE_CREDENTIAL, 'Too many iterations');
        continue;
      }
      try {
        const credential = scramCredentialFromSaltedPassword(upsertion.saltedPassword, upsertion.salt, upsertion.iterations, mechanism);
        upsertions.set(name, {
          user: name,
          mechanism: mechanism as ScramMechanismName,
          salt: credential.salt.toString('base64'),
          storedKey: credential.storedKey.toString('base64'),
          serverKey: credential.serverKey.toString('base64'),
          iterations: credential.iterations,
        });
      } catch (error) {
        fail(name, ErrorCode.UNACCEPTABLE_CREDENTIAL, (error as Error).message);
      }
    }
    const deletionList = [...deletions].map(([user, mechanism]) => ({ user, mechanism: mechanism as ScramMechanismName }));
    const reply = await security.alterScram({ deletions: deletionList, upsertions: [...upsertions.values()] });
    const results: AlterUserScramCredentialsResponse['results'] = [];
    deletionList.forEach(({ user }, i) => {
      results.push(
        reply.deleted[i]
          ? result(user, ErrorCode.NONE, null)
          : result(user, ErrorCode.RESOURCE_NOT_FOUND, 'Attempt to delete a user credential that does not exist'),
      );
    });
    for (const user of upsertions.keys()) results.push(result(user, ErrorCode.NONE, null));
    for (const [user, error] of errors) results.push(result(user, error.errorCode, error.errorMessage));
    return createAlterUserScramCredentialsResponse({ results });
  };
}

/** CreateAcls (ALTER on the cluster; SECURITY_DISABLED without an authorizer). */
export function handleCreateAcls(security: SecurityMetadataClient, authorization: RequestAuthorizer) {
  return async (body: CreateAclsRequest, _apiVersion: number, client: ClientContext): Promise<CreateAclsResponse> => {
    const refused = aclApiRefusal(authorization, client, AclOperation.ALTER);
    if (refused) return createCreateAclsResponse({ results: body.creations.map(() => ({ ...refused })) });
    const bindings = body.creations.map(aclBindingFromCreation);
    const errors = bindings.map(validateAclBinding);
    await security.createAcls(bindings.filter((_, i) => errors[i] === undefined));
    return createCreateAclsResponse({
      results: errors.map((error) => error ?? { errorCode: ErrorCode.NONE, errorMessage: null }),
    });
  };
}

/** DescribeAcls (DESCRIBE on the cluster): the ACLs matching the filter, grouped by resource pattern. */
export function handleDescribeAcls(authorization: RequestAuthorizer) {
  return (body: DescribeAclsRequest, _apiVersion: number, client: ClientContext): DescribeAclsResponse => {
    const refused = aclApiRefusal(authorization, client, AclOperation.DESCRIBE, NO_AUTHORIZER_ON_BROKER);
    if (refused) return createDescribeAclsResponse(refused);
    const filter = aclFilterFromRequest(body);
    const invalid = validateAclBindingFilter(filter);
    if (invalid) return createDescribeAclsResponse(invalid);
    return createDescribeAclsResponse({ resources: describeAclsResources(authorization.authorizer!.acls(filter)) });
  };
}

/**
 * DeleteAcls (ALTER on the cluster): every filter is matched against the ACLs as they are before
 * the request (freshly loaded), then every match is deleted; each filter lists what it matched.
 */
export function handleDeleteAcls(security: SecurityMetadataClient, authorization: RequestAuthorizer) {
  return async (body: DeleteAclsRequest, _apiVersion: number, client: ClientContext): Promise<DeleteAclsResponse> => {
    const refused = aclApiRefusal(authorization, client, AclOperation.ALTER);
    if (refused) return createDeleteAclsResponse({ filterResults: body.filters.map(() => ({ ...refused, matchingAcls: [] })) });
    await security.reloadAcls(true);
    const authorizer = authorization.authorizer!;
    const matched = body.filters.map((request) => {
      const filter = aclFilterFromRequest(request);
      const invalid = validateAclBindingFilter(filter);
      return invalid ? { invalid, bindings: [] } : { invalid: undefined, bindings: authorizer.acls(filter) };
    });
    const unique = new Map<string, AclBinding>();
    for (const { bindings } of matched) for (const binding of bindings) unique.set(JSON.stringify(binding), binding);
    await security.deleteAcls([...unique.values()]);
    return createDeleteAclsResponse({
      filterResults: matched.map(({ invalid, bindings }) =>
        invalid
          ? { ...invalid, matchingAcls: [] }
          : {
              errorCode: ErrorCode.NONE,
              errorMessage: null,
              matchingAcls: bindings.map((binding) => ({ errorCode: ErrorCode.NONE, errorMessage: null, ...binding })),
            },
      ),
    });
  };
}

/** Kafka's AclApis: the cluster permission first (CLUSTER_AUTHORIZATION_FAILED), then SECURITY_DISABLED without an authorizer. */
function aclApiRefusal(
  authorization: RequestAuthorizer,
  client: ClientContext,
  operation: number,
  noAuthorizerMessage = NO_AUTHORIZER,
): { errorCode: ErrorCode; errorMessage: string } | undefined {
  if (!authorization.allowedOnCluster(client, operation)) {
    return { errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, errorMessage: CLUSTER_AUTHORIZATION_FAILED };
  }
  if (!authorization.enabled) return { errorCode: ErrorCode.SECURITY_DISABLED, errorMessage: noAuthorizerMessage };
  return undefined;
}
