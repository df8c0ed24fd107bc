import { ErrorCode } from '@strom/errors';
import { createDescribeClientQuotasResponse, type DescribeClientQuotasRequest, type DescribeClientQuotasResponse } from '@strom/protocol';
import type { ClientContext } from '../network/request-handler.js';
import { AclOperation } from '../security/acl.js';
import type { RequestAuthorizer } from '../security/request-authorizer.js';

const MATCH_TYPE_EXACT = 0;
const MATCH_TYPE_DEFAULT = 1;
const MATCH_TYPE_SPECIFIED = 2;
const USER = 'user';
const CLIENT_ID = 'client-id';
const IP = 'ip';

/** Why Kafka's ClientQuotasImage.describe refuses this filter (code and message), or undefined. */
export function quotaFilterProblem(body: DescribeClientQuotasRequest): { errorCode: ErrorCode; errorMessage: string } | undefined {
  const invalid = (errorMessage: string) => ({ errorCode: ErrorCode.INVALID_REQUEST, errorMessage });
  const seen = new Set<string>();
  for (const component of body.components) {
    const type = component.entityType;
    if (type === '') return invalid('Invalid empty entity type.');
    if (seen.has(type)) return invalid(`Entity type ${type} cannot appear more than once in the filter.`);
    if (type !== IP && type !== USER && type !== CLIENT_ID) {
      return { errorCode: ErrorCode.UNSUPPORTED_VERSION, errorMessage: `Unsupported entity type ${type}` };
    }
    switch (component.matchType) {
      case MATCH_TYPE_EXACT:
        if (component.match === null) return invalid('Request specified MATCH_TYPE_EXACT, but set match string to null.');
        break;
      case MATCH_TYPE_DEFAULT:
        if (component.match !== null) return invalid('Request specified MATCH_TYPE_DEFAULT, but also specified a match string.');
        break;
      case MATCH_TYPE_SPECIFIED:
        if (component.match !== null) return invalid('Request specified MATCH_TYPE_SPECIFIED, but also specified a match string.');
        break;
      default:
        return invalid(`Unknown match type ${component.matchType}`);
    }
    seen.add(type);
  }
  if (seen.has(IP) && (seen.has(USER) || seen.has(CLIENT_ID))) {
    return invalid(
      'Invalid entity filter component combination. IP filter component should not be used with user or clientId filter component.',
    );
  }
  return undefined;
}

/**
 * DescribeClientQuotas (DESCRIBE_CONFIGS on the cluster). Strom keeps no client quotas (it does
 * not serve AlterClientQuotas), so a valid filter matches nothing: Kafka's answer for a cluster
 * without quotas, which is what `kafka-configs.sh --describe --entity-type users|clients` reads
 * before it lists a user's SCRAM credentials. A filter Kafka refuses is refused with its error.
 */
export function handleDescribeClientQuotas(authorization: RequestAuthorizer) {
  return (body: DescribeClientQuotasRequest, _apiVersion: number, client: ClientContext): DescribeClientQuotasResponse => {
    // Kafka answers a denial with the bare error (ApiError.fromThrowable drops its default message).
    if (!authorization.allowedOnCluster(client, AclOperation.DESCRIBE_CONFIGS)) {
      return createDescribeClientQuotasResponse({ errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, errorMessage: null, entries: null });
    }
    const problem = quotaFilterProblem(body);
    if (problem) return createDescribeClientQuotasResponse({ ...problem, entries: null });
    return createDescribeClientQuotasResponse({ errorCode: ErrorCode.NONE, errorMessage: '', entries: [] });
  };
}
