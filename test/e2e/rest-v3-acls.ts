import { AclOperationTypes, AclPermissionTypes, AclResourceTypes, ResourcePatternTypes, type Admin } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { items, type RestV3Client, type RestV3Context } from './rest-v3-support.js';

/** REST v3 ACLs: created over REST and seen by kafkajs's DescribeAcls, and the other way round. */
export function aclSuite(context: RestV3Context): void {
  describe('REST v3: ACLs', () => {
    let rest: RestV3Client;
    let admin: Admin;
    let cluster_id: string;
    let acls: string;

    beforeAll(async () => {
      ({ rest, cluster_id } = context);
      acls = `${context.base}/v3/clusters/${cluster_id}/acls`;
      admin = context.kafka.admin();
      await admin.connect();
    });
    afterAll(async () => admin?.disconnect());

    const aliceReadsOrders = {
      resource_type: 'TOPIC',
      resource_name: 'orders',
      pattern_type: 'LITERAL',
      principal: 'User:alice',
      host: '*',
      operation: 'READ',
      permission: 'ALLOW',
    };

    it('creates one ACL and a batch, which a Kafka client then describes', async () => {
      expect(await rest.call('post', '/clusters/{cluster_id}/acls', { cluster_id }, aliceReadsOrders)).toEqual({
        status: 201,
        body: undefined,
      });
      const batch = await rest.call(
        'post',
        '/clusters/{cluster_id}/acls:batch',
        { cluster_id },
        {
          data: [
            { ...aliceReadsOrders, resource_type: 'GROUP', resource_name: 'team-', pattern_type: 'PREFIXED' },
            { ...aliceReadsOrders, resource_type: 'CLUSTER', resource_name: 'kafka-cluster', operation: 'DESCRIBE', permission: 'DENY' },
          ],
        },
      );
      expect(batch).toEqual({ status: 201, body: undefined });
      const described = await admin.describeAcls({
        resourceType: AclResourceTypes.ANY,
        resourcePatternType: ResourcePatternTypes.ANY,
        operation: AclOperationTypes.ANY,
        permissionType: AclPermissionTypes.ANY,
      });
      expect(
        described.resources.map((resource) => `${resource.resourceType}:${resource.resourceName}:${resource.resourcePatternType}`).sort(),
      ).toEqual([
        `${AclResourceTypes.TOPIC}:orders:${ResourcePatternTypes.LITERAL}`,
        `${AclResourceTypes.GROUP}:team-:${ResourcePatternTypes.PREFIXED}`,
        `${AclResourceTypes.CLUSTER}:kafka-cluster:${ResourcePatternTypes.LITERAL}`,
      ]);
    });

    it("searches ACLs, in kafka-rest's order with its self links", async () => {
      const all = await rest.call('get', '/clusters/{cluster_id}/acls', { cluster_id });
      expect(all.body).toMatchObject({
        kind: 'KafkaAclList',
        metadata: {
          self: `${acls}?resource_type=ANY&resource_name=&pattern_type=ANY&principal=&host=&operation=ANY&permission=ANY`,
          next: null,
        },
      });
      expect(items(all.body).map((acl) => `${String(acl.resource_type)} ${String(acl.resource_name)}`)).toEqual([
        'TOPIC orders',
        'GROUP team-',
        'CLUSTER kafka-cluster',
      ]);
      const topics = await rest.call('get', '/clusters/{cluster_id}/acls', { cluster_id }, undefined, {
        resource_type: 'topic',
        principal: 'User:alice',
      });
      expect(items(topics.body)).toEqual([
        {
          kind: 'KafkaAcl',
          metadata: {
            self: `${acls}?resource_type=TOPIC&resource_name=orders&pattern_type=LITERAL&principal=User%3Aalice&host=*&operation=READ&permission=ALLOW`,
          },
          cluster_id,
          ...aliceReadsOrders,
        },
      ]);
      expect(await rest.call('get', '/clusters/{cluster_id}/acls', { cluster_id }, undefined, { pattern_type: 'UNKNOWN' })).toEqual({
        status: 400,
        body: { error_code: 400, message: 'pattern_type cannot be UNKNOWN' },
      });
    });

    it('refuses ACLs kafka-rest refuses, and deletes by filter', async () => {
      expect(await rest.call('post', '/clusters/{cluster_id}/acls', { cluster_id }, { ...aliceReadsOrders, operation: 'ANY' })).toEqual({
        status: 400,
        body: { error_code: 400, message: 'operation cannot be ANY' },
      });
      expect(
        await rest.call('post', '/clusters/{cluster_id}/acls', { cluster_id }, { ...aliceReadsOrders, pattern_type: 'MATCH' }),
      ).toEqual({
        status: 400,
        body: { error_code: 400, message: 'pattern_type cannot be MATCH' },
      });
      expect(await rest.call('delete', '/clusters/{cluster_id}/acls', { cluster_id }, undefined, { resource_type: 'TOPIC' })).toEqual({
        status: 400,
        body: { error_code: 400, message: 'pattern_type cannot be unspecified or UNKNOWN' },
      });
      const deleted = await rest.call('delete', '/clusters/{cluster_id}/acls', { cluster_id }, undefined, {
        resource_type: 'ANY',
        pattern_type: 'ANY',
        principal: 'User:alice',
        operation: 'ANY',
        permission: 'ALLOW',
      });
      expect(deleted.status).toBe(200);
      expect(items(deleted.body).map((acl) => `${String(acl.resource_type)} ${String(acl.resource_name)}`)).toEqual([
        'TOPIC orders',
        'GROUP team-',
      ]);
      const left = await admin.describeAcls({
        resourceType: AclResourceTypes.ANY,
        resourcePatternType: ResourcePatternTypes.ANY,
        operation: AclOperationTypes.ANY,
        permissionType: AclPermissionTypes.ANY,
      });
      expect(left.resources.map((resource) => resource.resourceName)).toEqual(['kafka-cluster']);
    });
  });
}
