import { ErrorCode } from '@strom/errors';
import { createApiVersionsResponse, type ApiVersionsRequest, type ApiVersionsResponse } from '@strom/protocol';
import type { ApiRouter } from './router.js';

/** KIP-511: client software name and version must match this, or the request is invalid. */
const softwarePattern = /^[a-zA-Z0-9](?:[a-zA-Z0-9\-.]*[a-zA-Z0-9])?$/;

/** The ApiVersions response body listing what `router` serves. */
export function apiVersionsBody(router: ApiRouter, errorCode: number = ErrorCode.NONE): ApiVersionsResponse {
  return createApiVersionsResponse({
    errorCode,
    apiKeys: router.supportedVersions().map((range) => ({ ...range })),
    finalizedFeaturesEpoch: -1n,
  });
}

export function handleApiVersions(router: ApiRouter) {
  return (body: ApiVersionsRequest, apiVersion: number): ApiVersionsResponse => {
    if (apiVersion >= 3 && (!softwarePattern.test(body.clientSoftwareName) || !softwarePattern.test(body.clientSoftwareVersion))) {
      return apiVersionsBody(router, ErrorCode.INVALID_REQUEST);
    }
    return apiVersionsBody(router);
  };
}
