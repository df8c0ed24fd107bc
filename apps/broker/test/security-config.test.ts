import { describe, expect, it } from 'vitest';
import { AclOperation, AclPermissionType, PatternType, ResourceType, type AclBinding } from '../src/security/acl.js';
import { StandardAuthorizer } from '../src/security/authorizer.js';
import { RequestAuthorizer } from '../src/security/request-authorizer.js';
import { parseJaasConfig, securityFromProperties, STANDARD_AUTHORIZER_CLASS } from '../src/security/server-properties.js';

const JAAS_KEY = 'listener.name.sasl_plaintext.plain.sasl.jaas.config';

describe('securityFromProperties', () => {
  it('reads the listener protocol, mechanisms, PLAIN users and the authorizer', () => {
    const result = securityFromProperties(
      {
        'sasl.enabled.mechanisms': 'PLAIN,SCRAM-SHA-512,GSSAPI',
        [JAAS_KEY]:
          'org.apache.kafka.common.security.plain.PlainLoginModule required username="admin" password="x" user_alice="alice-secret" user_bob="b\\"ob";',
        'authorizer.class.name': STANDARD_AUTHORIZER_CLASS,
        'super.users': 'User:admin; User:ops',
      },
      'SASL_PLAINTEXT',
    );
    expect(result.options).toEqual({
      securityProtocol: 'SASL_PLAINTEXT',
      saslMechanisms: ['PLAIN', 'SCRAM-SHA-512'],
      plainUsers: { alice: 'alice-secret', bob: 'b"ob' },
      authorizerEnabled: true,
      superUsers: ['User:admin', 'User:ops'],
      allowEveryoneIfNoAclFound: false,
    });
    expect(result.appliedKeys.has(JAAS_KEY)).toBe(true);
    expect(result.warnings.join('\n')).toMatch(/GSSAPI/);
  });

  it('maps listener names through listener.security.protocol.map', () => {
    const props = { 'listener.security.protocol.map': 'CLIENT:SASL_PLAINTEXT', 'sasl.enabled.mechanisms': 'SCRAM-SHA-256' };
    expect(securityFromProperties(props, 'CLIENT').options).toMatchObject({
      securityProtocol: 'SASL_PLAINTEXT',
      saslMechanisms: ['SCRAM-SHA-256'],
    });
    expect(securityFromProperties({}, 'PLAINTEXT').options).toEqual({ securityProtocol: 'PLAINTEXT' });
    expect(securityFromProperties({}, undefined).options).toEqual({ securityProtocol: 'PLAINTEXT' });
  });

  it('refuses what Strom cannot serve', () => {
    expect(() => securityFromProperties({}, 'SASL_PLAINTEXT')).toThrow(/sasl.enabled.mechanisms.*GSSAPI/);
    expect(() => securityFromProperties({}, 'SSL')).toThrow(/SSL.*not supported/);
    expect(() => securityFromProperties({}, 'CLIENT')).toThrow(/No security protocol defined for listener CLIENT/);
    expect(() => securityFromProperties({ 'authorizer.class.name': 'com.example.MyAuthorizer' }, 'PLAINTEXT')).toThrow(/not supported/);
    expect(() =>
      securityFromProperties(
        { 'sasl.enabled.mechanisms': 'PLAIN', [JAAS_KEY]: 'org.apache.kafka.common.security.scram.ScramLoginModule required;' },
        'SASL_PLAINTEXT',
      ),
    ).toThrow(/PlainLoginModule/);
  });
});

describe('parseJaasConfig', () => {
  it('parses module, flag and options, and rejects malformed entries', () => {
    expect(parseJaasConfig('k', 'a.B required x=1 y="two words";')).toEqual({
      loginModule: 'a.B',
      flag: 'required',
      options: { x: '1', y: 'two words' },
    });
    expect(() => parseJaasConfig('k', 'a.B required x="1"')).toThrow(/end with ';'/);
    expect(() => parseJaasConfig('k', 'a.B whenever x="1";')).toThrow(/control flag/);
    expect(() => parseJaasConfig('k', 'a.B required x=;')).toThrow(/name=value/);
  });
});

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
