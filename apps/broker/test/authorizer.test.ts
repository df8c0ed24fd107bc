import { ErrorCode } from '@strom/errors';
import type { DescribeAclsResponse } from '@strom/protocol';
import { describe, expect, it } from 'vitest';
import {
  ANY_ACL_FILTER,
  AclOperation as Op,
  AclPermissionType as Perm,
  PatternType as Pat,
  ResourceType as Res,
  StandardAuthorizer,
  aclBindingFromCreation,
  aclFilterFromRequest,
  aclFilterMatches,
  describeAclsResources,
  normalizeHost,
  validateAclBinding,
  validateAclBindingFilter,
  type AclBinding,
  type AclBindingFilter,
} from '../src/security/index.js';

const acl = (overrides: Partial<AclBinding> = {}): AclBinding => ({
  resourceType: Res.TOPIC,
  resourceName: 'foo',
  patternType: Pat.LITERAL,
  principal: 'User:alice',
  host: '*',
  operation: Op.READ,
  permissionType: Perm.ALLOW,
  ...overrides,
});

const filter = (overrides: Partial<AclBindingFilter> = {}): AclBindingFilter => ({ ...ANY_ACL_FILTER, ...overrides });

function authorizer(bindings: AclBinding[], options: ConstructorParameters<typeof StandardAuthorizer>[0] = {}): StandardAuthorizer {
  const a = new StandardAuthorizer(options);
  const results = a.createAcls(bindings);
  for (const result of results) expect(result.errorCode, result.errorMessage ?? '').toBe(ErrorCode.NONE);
  return a;
}

type Case = [
  description: string,
  acls: AclBinding[],
  request: { principal?: string; host?: string; operation: number; resourceType?: number; resourceName?: string },
  expected: 'ALLOWED' | 'DENIED',
  options?: { allowEveryoneIfNoAclFound?: boolean; superUsers?: string[] },
];

const cases: Case[] = [
  ['no ACLs: denied by default', [], { operation: Op.READ }, 'DENIED'],
  ['no ACLs, allow.everyone.if.no.acl.found', [], { operation: Op.READ }, 'ALLOWED', { allowEveryoneIfNoAclFound: true }],
  ['super user without ACLs', [], { principal: 'User:admin', operation: Op.ALTER }, 'ALLOWED', { superUsers: ['User:admin'] }],
  [
    'super user despite a DENY',
    [acl({ principal: 'User:admin', operation: Op.ALL, permissionType: Perm.DENY })],
    { principal: 'User:admin', operation: Op.READ },
    'ALLOWED',
    { superUsers: ['User:admin'] },
  ],
  ['literal ALLOW READ', [acl()], { operation: Op.READ }, 'ALLOWED'],
  ['ALLOW READ does not allow WRITE', [acl()], { operation: Op.WRITE }, 'DENIED'],
  [
    'an ACL on the resource for someone else denies, even with allow.everyone.if.no.acl.found',
    [acl()],
    { principal: 'User:bob', operation: Op.READ },
    'DENIED',
    { allowEveryoneIfNoAclFound: true },
  ],
  [
    'ACLs on other resources do not count for allow.everyone.if.no.acl.found',
    [acl({ resourceName: 'bar' }), acl({ resourceType: Res.GROUP })],
    { operation: Op.WRITE },
    'ALLOWED',
    { allowEveryoneIfNoAclFound: true },
  ],
  ['another principal does not match', [acl()], { principal: 'User:bob', operation: Op.READ }, 'DENIED'],
  ['User:* matches everyone', [acl({ principal: 'User:*' })], { principal: 'User:bob', operation: Op.READ }, 'ALLOWED'],
  [
    'User:* matches principals of other types too',
    [acl({ principal: 'User:*' })],
    { principal: 'Group:ops', operation: Op.READ },
    'ALLOWED',
  ],
  ['principal comparison is exact', [acl({ principal: 'User:Alice' })], { operation: Op.READ }, 'DENIED'],
  ['DENY wins over ALLOW', [acl(), acl({ permissionType: Perm.DENY })], { operation: Op.READ }, 'DENIED'],
  [
    'DENY for alice wins over ALLOW ALL for everyone',
    [acl({ principal: 'User:*', operation: Op.ALL }), acl({ permissionType: Perm.DENY })],
    { operation: Op.READ },
    'DENIED',
  ],
  [
    '… but only for the denied operation',
    [acl({ principal: 'User:*', operation: Op.ALL }), acl({ permissionType: Perm.DENY })],
    { operation: Op.WRITE },
    'ALLOWED',
  ],
  [
    '… and only for the denied principal',
    [acl({ principal: 'User:*', operation: Op.ALL }), acl({ permissionType: Perm.DENY })],
    { principal: 'User:bob', operation: Op.READ },
    'ALLOWED',
  ],
  ['ALLOW ALL allows any operation', [acl({ operation: Op.ALL })], { operation: Op.ALTER_CONFIGS }, 'ALLOWED'],
  [
    'DENY ALL denies DESCRIBE',
    [acl({ operation: Op.DESCRIBE }), acl({ operation: Op.ALL, permissionType: Perm.DENY })],
    { operation: Op.DESCRIBE },
    'DENIED',
  ],
  ['wildcard resource * matches any name', [acl({ resourceName: '*' })], { operation: Op.READ, resourceName: 'anything' }, 'ALLOWED'],
  ['wildcard resource * matches the name *', [acl({ resourceName: '*' })], { operation: Op.READ, resourceName: '*' }, 'ALLOWED'],
  [
    'wildcard resource is per type',
    [acl({ resourceName: '*' })],
    { operation: Op.READ, resourceType: Res.GROUP, resourceName: 'g' },
    'DENIED',
  ],
  [
    'wildcard DENY beats a literal ALLOW',
    [acl(), acl({ resourceName: '*', principal: 'User:*', permissionType: Perm.DENY })],
    { operation: Op.READ },
    'DENIED',
  ],
  ['prefixed matches a longer name', [acl({ patternType: Pat.PREFIXED })], { operation: Op.READ, resourceName: 'foobar' }, 'ALLOWED'],
  ['prefixed matches the exact name', [acl({ patternType: Pat.PREFIXED })], { operation: Op.READ, resourceName: 'foo' }, 'ALLOWED'],
  ['prefixed does not match a shorter name', [acl({ patternType: Pat.PREFIXED })], { operation: Op.READ, resourceName: 'fo' }, 'DENIED'],
  ['prefixed is a prefix, not a substring', [acl({ patternType: Pat.PREFIXED })], { operation: Op.READ, resourceName: 'barfoo' }, 'DENIED'],
  ['literal does not match a longer name', [acl()], { operation: Op.READ, resourceName: 'foobar' }, 'DENIED'],
  [
    'literal * is not a prefix pattern',
    [acl({ resourceName: '*', patternType: Pat.PREFIXED })],
    { operation: Op.READ, resourceName: 'x' },
    'DENIED',
  ],
  [
    'prefixed DENY beats a literal ALLOW',
    [acl({ resourceName: 'foo-1' }), acl({ resourceName: 'foo-', patternType: Pat.PREFIXED, permissionType: Perm.DENY })],
    { operation: Op.READ, resourceName: 'foo-1' },
    'DENIED',
  ],
  [
    'nested prefixes: the longer one allows',
    [acl({ resourceName: 'f', patternType: Pat.PREFIXED, operation: Op.WRITE }), acl({ resourceName: 'foo.', patternType: Pat.PREFIXED })],
    { operation: Op.READ, resourceName: 'foo.bar' },
    'ALLOWED',
  ],
  [
    'a prefixed ACL for someone else makes the resource ACL-protected',
    [acl({ patternType: Pat.PREFIXED, principal: 'User:bob' })],
    { operation: Op.READ, resourceName: 'foobar' },
    'DENIED',
    { allowEveryoneIfNoAclFound: true },
  ],
  ['ALLOW READ implies DESCRIBE', [acl({ operation: Op.READ })], { operation: Op.DESCRIBE }, 'ALLOWED'],
  ['ALLOW WRITE implies DESCRIBE', [acl({ operation: Op.WRITE })], { operation: Op.DESCRIBE }, 'ALLOWED'],
  ['ALLOW DELETE implies DESCRIBE', [acl({ operation: Op.DELETE })], { operation: Op.DESCRIBE }, 'ALLOWED'],
  ['ALLOW ALTER implies DESCRIBE', [acl({ operation: Op.ALTER })], { operation: Op.DESCRIBE }, 'ALLOWED'],
  ['ALLOW CREATE does not imply DESCRIBE', [acl({ operation: Op.CREATE })], { operation: Op.DESCRIBE }, 'DENIED'],
  ['ALLOW DESCRIBE does not imply READ', [acl({ operation: Op.DESCRIBE })], { operation: Op.READ }, 'DENIED'],
  ['ALLOW ALTER_CONFIGS implies DESCRIBE_CONFIGS', [acl({ operation: Op.ALTER_CONFIGS })], { operation: Op.DESCRIBE_CONFIGS }, 'ALLOWED'],
  [
    'ALLOW DESCRIBE_CONFIGS does not imply ALTER_CONFIGS',
    [acl({ operation: Op.DESCRIBE_CONFIGS })],
    { operation: Op.ALTER_CONFIGS },
    'DENIED',
  ],
  ['ALLOW ALTER_CONFIGS does not imply DESCRIBE', [acl({ operation: Op.ALTER_CONFIGS })], { operation: Op.DESCRIBE }, 'DENIED'],
  [
    'DENY READ does not deny DESCRIBE (implication is for ALLOW only)',
    [acl({ operation: Op.DESCRIBE }), acl({ operation: Op.READ, permissionType: Perm.DENY })],
    { operation: Op.DESCRIBE },
    'ALLOWED',
  ],
  [
    'DENY ALTER_CONFIGS does not deny DESCRIBE_CONFIGS',
    [acl({ operation: Op.WRITE }), acl({ operation: Op.ALTER_CONFIGS, permissionType: Perm.DENY }), acl({ operation: Op.ALTER_CONFIGS })],
    { operation: Op.DESCRIBE_CONFIGS },
    'ALLOWED',
  ],
  ['host matches exactly', [acl({ host: '192.168.0.1' })], { operation: Op.READ, host: '192.168.0.1' }, 'ALLOWED'],
  ['another host does not match', [acl({ host: '192.168.0.1' })], { operation: Op.READ, host: '192.168.0.2' }, 'DENIED'],
  [
    'an IPv4-mapped client address is its IPv4 address',
    [acl({ host: '10.0.0.7' })],
    { operation: Op.READ, host: '::ffff:10.0.0.7' },
    'ALLOWED',
  ],
  ['IPv6 in Java’s form matches the compressed form', [acl({ host: '0:0:0:0:0:0:0:1' })], { operation: Op.READ, host: '::1' }, 'ALLOWED'],
  ['IPv6 compressed ACL host matches', [acl({ host: '2001:db8::1' })], { operation: Op.READ, host: '2001:0db8:0:0:0:0:0:1' }, 'ALLOWED'],
  [
    'a DENY from one host only',
    [acl({ operation: Op.ALL }), acl({ host: '10.0.0.9', permissionType: Perm.DENY })],
    { operation: Op.READ, host: '10.0.0.8' },
    'ALLOWED',
  ],
  [
    'CLUSTER resource',
    [acl({ resourceType: Res.CLUSTER, resourceName: 'kafka-cluster', operation: Op.CLUSTER_ACTION })],
    { operation: Op.CLUSTER_ACTION, resourceType: Res.CLUSTER, resourceName: 'kafka-cluster' },
    'ALLOWED',
  ],
  [
    'TRANSACTIONAL_ID prefixed',
    [acl({ resourceType: Res.TRANSACTIONAL_ID, resourceName: 'tx-', patternType: Pat.PREFIXED, operation: Op.WRITE })],
    { operation: Op.DESCRIBE, resourceType: Res.TRANSACTIONAL_ID, resourceName: 'tx-42' },
    'ALLOWED',
  ],
  ['an ACL on a topic does not apply to a group of that name', [acl()], { operation: Op.READ, resourceType: Res.GROUP }, 'DENIED'],
];

describe('StandardAuthorizer.authorize', () => {
  it.each(cases)('%s', (_description, acls, request, expected, options) => {
    const a = authorizer(acls, options);
    const result = a.authorize(
      request.principal ?? 'User:alice',
      request.host ?? '127.0.0.1',
      request.operation,
      request.resourceType ?? Res.TOPIC,
      request.resourceName ?? 'foo',
    );
    expect(result).toBe(expected);
  });

  it('follows additions and removals, and cleans its index', () => {
    const a = new StandardAuthorizer({ allowEveryoneIfNoAclFound: true });
    const deny = acl({ patternType: Pat.PREFIXED, permissionType: Perm.DENY });
    expect(a.addAcl(deny)).toBe(true);
    expect(a.addAcl({ ...deny })).toBe(false);
    expect(a.size).toBe(1);
    expect(a.authorize('User:alice', '1.2.3.4', Op.READ, Res.TOPIC, 'foo-1')).toBe('DENIED');
    expect(a.removeAcl({ ...deny })).toBe(true);
    expect(a.removeAcl(deny)).toBe(false);
    expect(a.size).toBe(0);
    expect(a.authorize('User:alice', '1.2.3.4', Op.READ, Res.TOPIC, 'foo-1')).toBe('ALLOWED');
  });

  it('stays fast with many ACLs (indexed by name and prefix length)', () => {
    const a = new StandardAuthorizer();
    for (let i = 0; i < 20_000; i++) {
      a.addAcl(acl({ resourceName: `topic-${i}`, principal: `User:u${i % 100}` }));
      if (i % 10 === 0) a.addAcl(acl({ resourceName: `pre-${i}-`, patternType: Pat.PREFIXED, principal: `User:u${i % 100}` }));
    }
    const start = performance.now();
    let allowed = 0;
    for (let i = 0; i < 20_000; i++)
      if (a.authorize(`User:u${i % 100}`, '10.0.0.1', Op.READ, Res.TOPIC, `topic-${i}`) === 'ALLOWED') allowed++;
    expect(allowed).toBe(20_000);
    expect(a.authorize('User:u10', '10.0.0.1', Op.DESCRIBE, Res.TOPIC, 'pre-10-x')).toBe('ALLOWED');
    expect(performance.now() - start).toBeLessThan(2_000);
  });
});

describe('CreateAcls validation', () => {
  const invalid = (binding: Partial<AclBinding>, message: string) => [binding, message] as const;
  it.each([
    invalid({ resourceType: Res.UNKNOWN }, 'Invalid resourceType UNKNOWN'),
    invalid({ resourceType: Res.ANY }, 'Invalid resourceType ANY'),
    invalid({ resourceType: 99 }, 'Invalid resourceType UNKNOWN'),
    invalid({ patternType: Pat.MATCH }, 'Invalid patternType MATCH'),
    invalid({ patternType: Pat.ANY }, 'Invalid patternType ANY'),
    invalid({ patternType: Pat.UNKNOWN }, 'Invalid patternType UNKNOWN'),
    invalid({ operation: Op.ANY }, 'Invalid operation ANY'),
    invalid({ operation: Op.UNKNOWN }, 'Invalid operation UNKNOWN'),
    invalid({ operation: 42 }, 'Invalid operation UNKNOWN'),
    invalid({ permissionType: Perm.ANY }, 'Invalid permissionType ANY'),
    invalid({ permissionType: Perm.UNKNOWN }, 'Invalid permissionType UNKNOWN'),
    invalid({ resourceName: '' }, 'Invalid empty resource name'),
    invalid({ resourceType: Res.CLUSTER, resourceName: 'my-cluster' }, 'The only valid name for the CLUSTER resource is kafka-cluster'),
    invalid({ principal: 'alice' }, 'Could not parse principal from `alice` (expected a string in format principalType:principalName)'),
    invalid({ principal: ':alice' }, 'Could not parse principal from `:alice` (expected a string in format principalType:principalName)'),
    invalid({ host: '' }, 'Invalid empty host'),
  ])('%o → INVALID_REQUEST %s', (overrides, message) => {
    expect(validateAclBinding(acl(overrides))).toEqual({ errorCode: ErrorCode.INVALID_REQUEST, errorMessage: message });
  });

  it('accepts every concrete type, pattern, operation and permission', () => {
    for (const resourceType of [Res.TOPIC, Res.GROUP, Res.TRANSACTIONAL_ID, Res.DELEGATION_TOKEN, Res.USER]) {
      for (const patternType of [Pat.LITERAL, Pat.PREFIXED]) {
        for (let operation = Op.ALL; operation <= Op.TWO_PHASE_COMMIT; operation++) {
          for (const permissionType of [Perm.ALLOW, Perm.DENY]) {
            expect(validateAclBinding(acl({ resourceType, patternType, operation, permissionType }))).toBeUndefined();
          }
        }
      }
    }
    expect(validateAclBinding(acl({ resourceType: Res.CLUSTER, resourceName: 'kafka-cluster' }))).toBeUndefined();
  });

  it('createAcls answers per binding and stores only the valid ones, once', () => {
    const a = new StandardAuthorizer();
    const results = a.createAcls([acl(), acl({ operation: Op.ANY }), acl()]);
    expect(results).toEqual([
      { errorCode: 0, errorMessage: null, added: true },
      { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'Invalid operation ANY', added: false },
      { errorCode: 0, errorMessage: null, added: false },
    ]);
    expect(a.bindings()).toEqual([acl()]);
  });

  it('converts a CreateAcls creation', () => {
    const binding = aclBindingFromCreation({
      resourceType: 2,
      resourceName: 't',
      resourcePatternType: 4,
      principal: 'User:a',
      host: '*',
      operation: 3,
      permissionType: 3,
    });
    expect(binding).toEqual(acl({ resourceName: 't', patternType: Pat.PREFIXED, principal: 'User:a' }));
  });
});

describe('ACL filters (DescribeAcls / DeleteAcls)', () => {
  const stored = [
    acl({ resourceName: 'foo' }),
    acl({ resourceName: 'foobar' }),
    acl({ resourceName: '*' }),
    acl({ resourceName: 'foo', patternType: Pat.PREFIXED, operation: Op.WRITE }),
    acl({ resourceName: 'f', patternType: Pat.PREFIXED, principal: 'User:bob', permissionType: Perm.DENY }),
    acl({ resourceName: 'foobarbaz', patternType: Pat.PREFIXED, host: '10.0.0.1' }),
    acl({ resourceType: Res.GROUP, resourceName: 'foo' }),
  ];
  const names = (bindings: AclBinding[]) =>
    bindings.map((b) => `${b.resourceType}:${b.patternType === Pat.PREFIXED ? 'P' : 'L'}:${b.resourceName}`).sort();

  it.each<[string, Partial<AclBindingFilter>, string[]]>([
    ['ANY matches everything', {}, ['2:L:*', '2:L:foo', '2:L:foobar', '2:P:f', '2:P:foo', '2:P:foobarbaz', '3:L:foo']],
    ['a resource type', { resourceType: Res.GROUP }, ['3:L:foo']],
    [
      'LITERAL with a name: that exact literal only',
      { resourceType: Res.TOPIC, patternType: Pat.LITERAL, resourceName: 'foo' },
      ['2:L:foo'],
    ],
    ['LITERAL without a name: every literal', { resourceType: Res.TOPIC, patternType: Pat.LITERAL }, ['2:L:*', '2:L:foo', '2:L:foobar']],
    ['PREFIXED with a name', { resourceType: Res.TOPIC, patternType: Pat.PREFIXED, resourceName: 'foo' }, ['2:P:foo']],
    ['ANY pattern with a name: literal and prefixed of that name', { resourceName: 'foo' }, ['2:L:foo', '2:P:foo', '3:L:foo']],
    [
      'MATCH: the patterns that apply to the name',
      { resourceType: Res.TOPIC, patternType: Pat.MATCH, resourceName: 'foobar' },
      ['2:L:*', '2:L:foobar', '2:P:f', '2:P:foo'],
    ],
    [
      'MATCH without a name: everything of the type',
      { resourceType: Res.TOPIC, patternType: Pat.MATCH },
      ['2:L:*', '2:L:foo', '2:L:foobar', '2:P:f', '2:P:foo', '2:P:foobarbaz'],
    ],
    ['principal', { principal: 'User:bob' }, ['2:P:f']],
    ['host', { host: '10.0.0.1' }, ['2:P:foobarbaz']],
    ['operation', { operation: Op.WRITE }, ['2:P:foo']],
    ['permission type', { permissionType: Perm.DENY }, ['2:P:f']],
    ['no match', { principal: 'User:nobody' }, []],
  ])('%s', (_description, overrides, expected) => {
    const a = authorizer(stored);
    const f = filter(overrides);
    expect(validateAclBindingFilter(f)).toBeUndefined();
    expect(names(a.acls(f))).toEqual(expected);
    expect(names(stored.filter((b) => aclFilterMatches(f, b)))).toEqual(expected);
  });

  it.each<[Partial<AclBindingFilter>, string]>([
    [{ resourceType: Res.UNKNOWN }, 'Unknown patternFilter.'],
    [{ patternType: Pat.UNKNOWN }, 'Unknown patternFilter.'],
    [{ patternType: 17 }, 'Unknown patternFilter.'],
    [{ operation: Op.UNKNOWN }, 'Unknown entryFilter.'],
    [{ permissionType: Perm.UNKNOWN }, 'Unknown entryFilter.'],
  ])('refuses %o: %s', (overrides, message) => {
    expect(validateAclBindingFilter(filter(overrides))).toEqual({ errorCode: ErrorCode.INVALID_REQUEST, errorMessage: message });
  });

  it('deleteAcls: every filter sees the ACLs as before the request; matches are removed', () => {
    const a = authorizer(stored);
    const results = a.deleteAcls([
      filter({ resourceType: Res.TOPIC, patternType: Pat.LITERAL, resourceName: 'foo' }),
      filter({ resourceName: 'foo' }),
      filter({ operation: Op.UNKNOWN }),
    ]);
    expect(results.map((r) => [r.errorCode, names(r.matchingAcls)])).toEqual([
      [0, ['2:L:foo']],
      [0, ['2:L:foo', '2:P:foo', '3:L:foo']],
      [ErrorCode.INVALID_REQUEST, []],
    ]);
    expect(results[2]!.errorMessage).toBe('Unknown entryFilter.');
    expect(names(a.bindings())).toEqual(['2:L:*', '2:L:foobar', '2:P:f', '2:P:foobarbaz']);
    expect(a.authorize('User:alice', '1.1.1.1', Op.WRITE, Res.TOPIC, 'foo')).toBe('DENIED');
    expect(a.deleteAcls([ANY_ACL_FILTER])[0]!.matchingAcls).toHaveLength(4);
    expect(a.size).toBe(0);
  });

  it('converts request filters and groups DescribeAcls resources', () => {
    const f = aclFilterFromRequest({
      resourceTypeFilter: 2,
      resourceNameFilter: null,
      patternTypeFilter: 1,
      principalFilter: 'User:alice',
      hostFilter: null,
      operation: 1,
      permissionType: 1,
    });
    expect(f).toEqual(filter({ resourceType: Res.TOPIC, principal: 'User:alice' }));
    const resources: DescribeAclsResponse['resources'] = describeAclsResources([
      acl(),
      acl({ operation: Op.WRITE }),
      acl({ patternType: Pat.PREFIXED }),
    ]);
    expect(resources).toEqual([
      {
        resourceType: 2,
        resourceName: 'foo',
        patternType: 3,
        acls: [
          { principal: 'User:alice', host: '*', operation: 3, permissionType: 3 },
          { principal: 'User:alice', host: '*', operation: 4, permissionType: 3 },
        ],
      },
      {
        resourceType: 2,
        resourceName: 'foo',
        patternType: 4,
        acls: [{ principal: 'User:alice', host: '*', operation: 3, permissionType: 3 }],
      },
    ]);
  });
});

describe('helpers', () => {
  it('normalizeHost', () => {
    expect(normalizeHost('::ffff:127.0.0.1')).toBe('127.0.0.1');
    expect(normalizeHost('::1')).toBe('0:0:0:0:0:0:0:1');
    expect(normalizeHost('2001:DB8::0:1')).toBe('2001:db8:0:0:0:0:0:1');
    expect(normalizeHost('::')).toBe('0:0:0:0:0:0:0:0');
    expect(normalizeHost('64:ff9b::192.0.2.33')).toBe('64:ff9b:0:0:0:0:c000:221');
    expect(normalizeHost('fe80::1%eth0')).toBe('fe80:0:0:0:0:0:0:1%eth0');
    expect(normalizeHost('10.1.2.3')).toBe('10.1.2.3');
    expect(normalizeHost('*')).toBe('*');
  });
});
