import { describe, expect, it } from 'vitest';
import { AclOperation, AclPermissionType, PatternType, ResourceType, type AclBinding } from '../src/security/acl.js';
import { StandardAuthorizer } from '../src/security/authorizer.js';
import { RequestAuthorizer } from '../src/security/request-authorizer.js';

describe('authorizeByResourceType (InitProducerId: WRITE on any topic)', () => {
  const acl = (overrides: Partial<AclBinding>): AclBinding => ({
    resourceType: ResourceType.TOPIC,
    resourceName: 'orders',
    patternType: PatternType.LITERAL,
    principal: 'User:alice',
    host: '*',
    operation: AclOperation.WRITE,
    permissionType: AclPermissionType.ALLOW,
    ...overrides,
  });

  it('allows with an ALLOW on some topic not covered by a DENY', () => {
    const authorizer = new StandardAuthorizer();
    const check = () => authorizer.authorizeByResourceType('User:alice', '10.0.0.1', AclOperation.WRITE, ResourceType.TOPIC);
    expect(check()).toBe('DENIED');
    authorizer.addAcl(acl({}));
    expect(check()).toBe('ALLOWED');
    authorizer.addAcl(acl({ resourceName: 'ord', patternType: PatternType.PREFIXED, permissionType: AclPermissionType.DENY }));
    expect(check()).toBe('DENIED');
    authorizer.addAcl(acl({ resourceName: 'payments' }));
    expect(check()).toBe('ALLOWED');
    authorizer.addAcl(acl({ resourceName: '*', permissionType: AclPermissionType.DENY }));
    expect(check()).toBe('DENIED');
  });

  it('super users and allow.everyone.if.no.acl.found', () => {
    expect(
      new StandardAuthorizer({ superUsers: ['User:admin'] }).authorizeByResourceType(
        'User:admin',
        '::1',
        AclOperation.WRITE,
        ResourceType.TOPIC,
      ),
    ).toBe('ALLOWED');
    expect(
      new StandardAuthorizer({ allowEveryoneIfNoAclFound: true }).authorizeByResourceType(
        'User:x',
        '::1',
        AclOperation.WRITE,
        ResourceType.TOPIC,
      ),
    ).toBe('ALLOWED');
  });
});

describe('RequestAuthorizer', () => {
  it('allows everything without an authorizer and asks it otherwise', () => {
    const client = { principal: 'User:alice', clientHost: '127.0.0.1' };
    const open = new RequestAuthorizer(undefined);
    expect(open.enabled).toBe(false);
    expect(open.allowed(client, AclOperation.READ, ResourceType.GROUP, 'g')).toBe(true);
    const authorizer = new StandardAuthorizer();
    authorizer.addAcl({
      resourceType: ResourceType.CLUSTER,
      resourceName: 'kafka-cluster',
      patternType: PatternType.LITERAL,
      principal: 'User:alice',
      host: '127.0.0.1',
      operation: AclOperation.CREATE,
      permissionType: AclPermissionType.ALLOW,
    });
    const closed = new RequestAuthorizer(authorizer);
    expect(closed.allowed(client, AclOperation.READ, ResourceType.GROUP, 'g')).toBe(false);
    expect(closed.mayCreateTopic(client, 'anything')).toBe(true);
    expect(closed.mayCreateTopic({ principal: 'User:alice', clientHost: '10.0.0.2' }, 'anything')).toBe(false);
    expect([...closed.filterAllowed(client, AclOperation.CREATE, ResourceType.CLUSTER, ['kafka-cluster', 'other'])]).toEqual([
      'kafka-cluster',
    ]);
  });
});
