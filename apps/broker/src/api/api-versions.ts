import { ErrorCode } from '@strom/errors';
import { createApiVersionsResponse, type ApiVersionsRequest, type ApiVersionsResponse } from '@strom/protocol';
import type { ApiRouter } from './router.js';

/** KIP-511: client software name and version must match this, or the request is invalid. */
const softwarePattern = /^[a-zA-Z0-9](?:[a-zA-Z0-9\-.]*[a-zA-Z0-9])?$/;

/** ApiVersions v5 (KIP-1242) lets a client say which cluster and node it means to reach. */
const TARGET_CHECK_MIN_VERSION = 5;

/** The ApiVersions response body listing what `router` serves. */
export function apiVersionsBody(router: ApiRouter, errorCode: ErrorCode = ErrorCode.NONE): ApiVersionsResponse {
  return createApiVersionsResponse({
    errorCode,
    apiKeys: router.supportedVersions().map((range) => ({ ...range })),
    finalizedFeaturesEpoch: -1n,
  });
}

/** An error answer as Kafka's ApiVersionsRequest.getErrorResponse gives it: the code and nothing else. */
function apiVersionsError(errorCode: ErrorCode): ApiVersionsResponse {
  return createApiVersionsResponse({ errorCode, finalizedFeaturesEpoch: -1n });
}

/** Who this broker is, for ApiVersions v5's check. */
export interface BrokerIdentity {
  clusterId(): string;
  nodeId: number;
}

export function handleApiVersions(router: ApiRouter, identity: BrokerIdentity) {
  return (body: ApiVersionsRequest, apiVersion: number): ApiVersionsResponse => {
    if (apiVersion >= 3 && (!softwarePattern.test(body.clientSoftwareName) || !softwarePattern.test(body.clientSoftwareVersion))) {
      return apiVersionsError(ErrorCode.INVALID_REQUEST);
    }
    if (apiVersion >= TARGET_CHECK_MIN_VERSION && (body.clusterId !== null || body.nodeId !== -1)) {
      // Both or neither; a client that reached another cluster or node than it meant must rebootstrap.
      if (body.clusterId === null || body.nodeId === -1) return apiVersionsError(ErrorCode.INVALID_REQUEST);
      if (body.clusterId !== identity.clusterId() || body.nodeId !== identity.nodeId) {
        return apiVersionsError(ErrorCode.REBOOTSTRAP_REQUIRED);
      }
    }
    return apiVersionsBody(router);
  };
}
