import { ApiKey, createCreateAclsRequest, createDeleteAclsRequest, createDescribeAclsRequest } from '@strom/protocol';
import type { ClusterClient } from './cluster-client.js';
import { clusterScope } from './cluster-routes.js';
import { RestError, throwIfKafkaError } from './errors.js';
import type { Links } from './links.js';
import type { Route } from './route.js';

/** Kafka's ACL enums by wire code (ResourceType, PatternType, AclOperation, AclPermissionType). */
const RESOURCE_TYPES = ['UNKNOWN', 'ANY', 'TOPIC', 'GROUP', 'CLUSTER', 'TRANSACTIONAL_ID', 'DELEGATION_TOKEN', 'USER'];
const PATTERN_TYPES = ['UNKNOWN', 'ANY', 'MATCH', 'LITERAL', 'PREFIXED'];
const OPERATIONS = [
  'UNKNOWN',
  'ANY',
  'ALL',
  'READ',
  'WRITE',
  'CREATE',
  'DELETE',
  'ALTER',
  'DESCRIBE',
  'CLUSTER_ACTION',
  'DESCRIBE_CONFIGS',
  'ALTER_CONFIGS',
  'IDEMPOTENT_WRITE',
  'CREATE_TOKENS',
  'DESCRIBE_TOKENS',
];
const PERMISSIONS = ['UNKNOWN', 'ANY', 'DENY', 'ALLOW'];

/** One ACL binding with Kafka's codes. */
interface Acl {
  resourceType: number;
  resourceName: string;
  patternType: number;
  principal: string;
  host: string;
  operation: number;
  permission: number;
}

interface CreateAclBody {
  resource_type: string;
  resource_name: string;
  pattern_type: string;
  principal: string;
  host: string;
  operation: string;
  permission: string;
}

/** An enum name (any case) as its code; `fallback` when absent; a 400 when not one of `names`. */
function code(names: readonly string[], field: string, value: string | null | undefined, fallback: string): number {
  const index = names.indexOf((value === null || value === undefined || value === '' ? fallback : value).toUpperCase());
  if (index < 0) throw RestError.badRequest(`${value} is not a valid ${field}.`);
  return index;
}

/** The v3 query of an ACL or an ACL filter, in kafka-rest's order. */
function aclQuery(acl: Acl): string {
  return new URLSearchParams([
    ['resource_type', RESOURCE_TYPES[acl.resourceType]!],
    ['resource_name', acl.resourceName],
    ['pattern_type', PATTERN_TYPES[acl.patternType]!],
    ['principal', acl.principal],
    ['host', acl.host],
    ['operation', OPERATIONS[acl.operation]!],
    ['permission', PERMISSIONS[acl.permission]!],
  ]).toString();
}

function aclData(links: Links, acl: Acl) {
  return {
    kind: 'KafkaAcl',
    metadata: { self: `${links.url('acls')}?${aclQuery(acl)}` },
    cluster_id: links.clusterId,
    resource_type: RESOURCE_TYPES[acl.resourceType],
    resource_name: acl.resourceName,
    pattern_type: PATTERN_TYPES[acl.patternType],
    principal: acl.principal,
    host: acl.host,
    operation: OPERATIONS[acl.operation],
    permission: PERMISSIONS[acl.permission],
  };
}

/** kafka-rest's order: by resource type, name, pattern type, principal, host, operation, permission. */
function byAcl(a: Acl, b: Acl): number {
  return (
    a.resourceType - b.resourceType ||
    a.resourceName.localeCompare(b.resourceName) ||
    a.patternType - b.patternType ||
    a.principal.localeCompare(b.principal) ||
    a.host.localeCompare(b.host) ||
    a.operation - b.operation ||
    a.permission - b.permission
  );
}

/** A search or delete filter from the query; `fallback` is ANY for a search and UNKNOWN (refused) for a delete. */
function aclFilter(query: URLSearchParams, fallback: 'ANY' | 'UNKNOWN'): Acl {
  const filter = {
    resourceType: code(RESOURCE_TYPES, 'resource_type', query.get('resource_type'), fallback),
    resourceName: query.get('resource_name') ?? '',
    patternType: code(PATTERN_TYPES, 'pattern_type', query.get('pattern_type'), fallback),
    principal: query.get('principal') ?? '',
    host: query.get('host') ?? '',
    operation: code(OPERATIONS, 'operation', query.get('operation'), fallback),
    permission: code(PERMISSIONS, 'permission', query.get('permission'), fallback),
  };
  const unknown = fallback === 'UNKNOWN' ? 'unspecified or UNKNOWN' : 'UNKNOWN';
  if (filter.resourceType === 0) throw RestError.badRequest(`resource_type cannot be ${unknown}`);
  if (filter.patternType === 0) throw RestError.badRequest(`pattern_type cannot be ${unknown}`);
  if (filter.operation === 0) throw RestError.badRequest(`operation cannot be ${unknown}`);
  if (filter.permission === 0) throw RestError.badRequest(`permission cannot be ${unknown}`);
  return filter;
}

const orNull = (value: string) => (value === '' ? null : value);

/** A create request as a binding, refused as kafka-rest's validateAclCreateParameters refuses it. */
function creation(body: CreateAclBody): Acl {
  const acl = {
    resourceType: code(RESOURCE_TYPES, 'resource_type', body.resource_type, 'UNKNOWN'),
    resourceName: body.resource_name,
    patternType: code(PATTERN_TYPES, 'pattern_type', body.pattern_type, 'UNKNOWN'),
    principal: body.principal,
    host: body.host,
    operation: code(OPERATIONS, 'operation', body.operation, 'UNKNOWN'),
    permission: code(PERMISSIONS, 'permission', body.permission, 'UNKNOWN'),
  };
  if (acl.resourceType <= 1) throw RestError.badRequest('resource_type cannot be ANY');
  if (acl.patternType <= 2) throw RestError.badRequest(`pattern_type cannot be ${PATTERN_TYPES[acl.patternType]}`);
  if (acl.operation <= 1) throw RestError.badRequest('operation cannot be ANY');
  if (acl.permission <= 1) throw RestError.badRequest('permission cannot be ANY');
  return acl;
}

export const ACL_ROUTES: readonly Route[] = [
  {
    method: 'get',
    path: '/clusters/{cluster_id}/acls',
    operationId: 'getKafkaAcls',
    summary: 'List ACLs',
    tag: 'ACL (v3)',
    responses: { 200: 'AclDataList' },
    async handle(context) {
      const { links, client } = await clusterScope(context);
      const filter = aclFilter(context.query, 'ANY');
      const response = await client.request(
        ApiKey.DescribeAcls,
        createDescribeAclsRequest({
          resourceTypeFilter: filter.resourceType,
          resourceNameFilter: orNull(filter.resourceName),
          patternTypeFilter: filter.patternType,
          principalFilter: orNull(filter.principal),
          hostFilter: orNull(filter.host),
          operation: filter.operation,
          permissionType: filter.permission,
        }),
      );
      throwIfKafkaError(response.errorCode, response.errorMessage);
      const acls = response.resources
        .flatMap((resource) =>
          resource.acls.map((acl) => ({
            resourceType: resource.resourceType,
            resourceName: resource.resourceName,
            patternType: resource.patternType,
            principal: acl.principal,
            host: acl.host,
            operation: acl.operation,
            permission: acl.permissionType,
          })),
        )
        .sort(byAcl);
      return {
        status: 200,
        body: {
          kind: 'KafkaAclList',
          metadata: { self: `${links.url('acls')}?${aclQuery(filter)}`, next: null },
          data: acls.map((acl) => aclData(links, acl)),
        },
      };
    },
  },
  {
    method: 'post',
    path: '/clusters/{cluster_id}/acls',
    operationId: 'createKafkaAcls',
    summary: 'Create an ACL',
    tag: 'ACL (v3)',
    requestBody: 'CreateAclRequestData',
    responses: { 201: null },
    async handle(context) {
      const { client } = await clusterScope(context);
      await createAcls(client, [creation(context.body as CreateAclBody)]);
      return { status: 201 };
    },
  },
  {
    method: 'post',
    path: '/clusters/{cluster_id}/acls:batch',
    operationId: 'batchCreateKafkaAcls',
    summary: 'Batch Create ACLs',
    tag: 'ACL (v3)',
    requestBody: 'CreateAclRequestDataList',
    responses: { 201: null },
    async handle(context) {
      const { client } = await clusterScope(context);
      await createAcls(client, (context.body as { data: CreateAclBody[] }).data.map(creation));
      return { status: 201 };
    },
  },
  {
    method: 'delete',
    path: '/clusters/{cluster_id}/acls',
    operationId: 'deleteKafkaAcls',
    summary: 'Delete ACLs',
    tag: 'ACL (v3)',
    responses: { 200: 'DeleteAclsResponseData' },
    async handle(context) {
      const { links, client } = await clusterScope(context);
      const filter = aclFilter(context.query, 'UNKNOWN');
      const response = await client.request(
        ApiKey.DeleteAcls,
        createDeleteAclsRequest({
          filters: [
            {
              resourceTypeFilter: filter.resourceType,
              resourceNameFilter: orNull(filter.resourceName),
              patternTypeFilter: filter.patternType,
              principalFilter: orNull(filter.principal),
              hostFilter: orNull(filter.host),
              operation: filter.operation,
              permissionType: filter.permission,
            },
          ],
        }),
      );
      const result = response.filterResults[0]!;
      throwIfKafkaError(result.errorCode, result.errorMessage);
      const deleted = result.matchingAcls
        .map((acl) => ({ ...acl, permission: acl.permissionType }))
        .sort(byAcl)
        .map((acl) => aclData(links, acl));
      return { status: 200, body: { data: deleted } };
    },
  },
];

async function createAcls(client: ClusterClient, acls: readonly Acl[]): Promise<void> {
  const response = await client.request(
    ApiKey.CreateAcls,
    createCreateAclsRequest({
      creations: acls.map((acl) => ({
        resourceType: acl.resourceType,
        resourceName: acl.resourceName,
        resourcePatternType: acl.patternType,
        principal: acl.principal,
        host: acl.host,
        operation: acl.operation,
        permissionType: acl.permission,
      })),
    }),
  );
  for (const result of response.results) throwIfKafkaError(result.errorCode, result.errorMessage);
}
