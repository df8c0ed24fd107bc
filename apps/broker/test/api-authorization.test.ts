import { ErrorCode, errorName } from '@strom/errors';
import { ApiKey, createMetadataResponse } from '@strom/protocol';
import { describe, expect, it } from 'vitest';
import { ApiRouter } from '../src/api/router.js';
import { CloseConnectionError } from '../src/network/request-handler.js';
import { API_AUTHORIZATION, type ApiAuthorization } from '../src/security/api-authorization.js';
import { AclOperation, ResourceType } from '../src/security/acl.js';
import { StandardAuthorizer } from '../src/security/authorizer.js';
import { RequestAuthorizer } from '../src/security/request-authorizer.js';

const client = { connectionId: 1, remoteAddress: '127.0.0.1:5000', listenerName: 'PLAINTEXT', principal: 'User:alice' };

describe('the router requires an authorization rule for every API', () => {
  it('refuses to register an API that has no rule, naming it', () => {
    const router = new ApiRouter({ [ApiKey.ApiVersions]: API_AUTHORIZATION[ApiKey.ApiVersions]! });
    expect(() => router.register(ApiKey.Metadata, () => createMetadataResponse())).toThrow('API Metadata has no authorization rule');
  });

  it('registers an API with a rule and announces only what it registered, each with its rule', () => {
    const router = new ApiRouter(API_AUTHORIZATION);
    router.register(ApiKey.Metadata, () => createMetadataResponse());
    expect(router.supportedVersions().map((range) => range.apiKey)).toEqual([ApiKey.Metadata]);
    expect(router.authorizationOf(ApiKey.Metadata)).toBe(API_AUTHORIZATION[ApiKey.Metadata]);
    expect(router.authorizationOf(ApiKey.Fetch)).toBeUndefined();
  });

  it('closes the connection for a request to an API it does not serve', () => {
    const router = new ApiRouter(API_AUTHORIZATION);
    const request = { apiKey: ApiKey.DeleteRecords, apiVersion: 2, body: {}, header: {} } as never;
    expect(() => router.handle(request, client)).toThrow(CloseConnectionError);
  });
});

describe('the authorization table', () => {
  const entries = Object.entries(API_AUTHORIZATION) as [string, ApiAuthorization][];

  it('states a reason for every API Kafka does not authorize, and only for those', () => {
    const unchecked = entries.filter(([, rule]) => rule.kind === 'unchecked').map(([apiKey]) => Number(apiKey));
    expect(unchecked.sort((a, b) => a - b)).toEqual(
      [
        ApiKey.SaslHandshake,
        ApiKey.ApiVersions,
        ApiKey.SaslAuthenticate,
        ApiKey.ConsumerGroupHeartbeat,
        ApiKey.ConsumerGroupDescribe,
        ApiKey.ShareGroupHeartbeat,
        ApiKey.ShareGroupDescribe,
        ApiKey.ShareFetch,
        ApiKey.ShareAcknowledge,
      ].sort((a, b) => a - b),
    );
  });

  it('gives every check at least one permission and an *_AUTHORIZATION_FAILED code where it refuses', () => {
    for (const [apiKey, rule] of entries) {
      if (rule.kind !== 'checked') continue;
      expect(rule.checks.length, `API ${apiKey}`).toBeGreaterThan(0);
      for (const check of rule.checks) {
        expect(check.allowedBy.length, `API ${apiKey}`).toBeGreaterThan(0);
        if (check.scope === 'hidden' || check.scope === 'field') expect(check.denied).toBe(ErrorCode.NONE);
        else expect(errorName(check.denied), `API ${apiKey}`).toMatch(/_AUTHORIZATION_FAILED$/);
      }
    }
  });
});

describe('authorized operations (Kafka AuthHelper.authorizedOperations)', () => {
  const acl = (operation: number, resourceType: number, resourceName: string) => ({
    resourceType,
    resourceName,
    patternType: 3,
    principal: 'User:alice',
    host: '*',
    operation,
    permissionType: 3,
  });

  it('sets bit 1 << code for each allowed operation, with DESCRIBE implied by READ', () => {
    const authorizer = new StandardAuthorizer();
    authorizer.addAcl(acl(AclOperation.READ, ResourceType.TOPIC, 'orders'));
    const authorization = new RequestAuthorizer(authorizer);
    expect(authorization.authorizedOperations(client, ResourceType.TOPIC, 'orders')).toBe(
      (1 << AclOperation.READ) | (1 << AclOperation.DESCRIBE),
    );
    expect(authorization.authorizedOperations(client, ResourceType.TOPIC, 'other')).toBe(0);
  });

  it('reports the cluster operations only with DESCRIBE on the cluster (0 without)', () => {
    const authorizer = new StandardAuthorizer();
    authorizer.addAcl(acl(AclOperation.CREATE, ResourceType.CLUSTER, 'kafka-cluster'));
    const authorization = new RequestAuthorizer(authorizer);
    expect(authorization.clusterAuthorizedOperations(client)).toBe(0);
    authorizer.addAcl(acl(AclOperation.DESCRIBE, ResourceType.CLUSTER, 'kafka-cluster'));
    expect(authorization.clusterAuthorizedOperations(client)).toBe((1 << AclOperation.CREATE) | (1 << AclOperation.DESCRIBE));
  });

  it('lists every supported operation without an authorizer', () => {
    const everything = new RequestAuthorizer(undefined);
    const groupOperations = [
      AclOperation.READ,
      AclOperation.DESCRIBE,
      AclOperation.DELETE,
      AclOperation.DESCRIBE_CONFIGS,
      AclOperation.ALTER_CONFIGS,
    ];
    expect(everything.authorizedOperations(client, ResourceType.GROUP, 'g')).toBe(
      groupOperations.reduce((field, op) => field | (1 << op), 0),
    );
  });
});
