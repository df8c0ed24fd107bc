/** Kafka's SslPrincipalMapperTest, case for case. */
import { describe, expect, it } from 'vitest';
import { NoMatchingRuleError, SslPrincipalMapper } from '../src/security/ssl/ssl-principal-mapper.js';

describe('SslPrincipalMapper (Kafka SslPrincipalMapperTest)', () => {
  it('accepts valid rules', () => {
    for (const rules of [
      'DEFAULT',
      'RULE:^CN=(.*?),OU=ServiceUsers.*$/$1/',
      'RULE:^CN=(.*?),OU=ServiceUsers.*$/$1/L, DEFAULT',
      'RULE:^CN=(.*?),OU=(.*?),O=(.*?),L=(.*?),ST=(.*?),C=(.*?)$/$1@$2/',
      'RULE:^.*[Cc][Nn]=([a-zA-Z0-9.]*).*$/$1/L',
      'RULE:^cn=(.?),ou=(.?),dc=(.?),dc=(.?)$/$1@$2/U',
      'RULE:^CN=([^,ADEFLTU,]+)(,.*|$)/$1/',
      'RULE:^CN=([^,DEFAULT,]+)(,.*|$)/$1/',
    ]) {
      expect(() => new SslPrincipalMapper(rules), rules).not.toThrow();
    }
  });

  it('refuses invalid rules', () => {
    for (const rules of [
      'default',
      'DEFAUL',
      'DEFAULT/L',
      'DEFAULT/U',
      'RULE:CN=(.*?),OU=ServiceUsers.*/$1',
      'rule:^CN=(.*?),OU=ServiceUsers.*$/$1/',
      'RULE:^CN=(.*?),OU=ServiceUsers.*$/$1/L/U',
      'RULE:^CN=(.*?),OU=ServiceUsers.*$/L',
      'RULE:^CN=(.*?),OU=ServiceUsers.*$/U',
      'RULE:^CN=(.*?),OU=ServiceUsers.*$/LU',
    ]) {
      expect(() => new SslPrincipalMapper(rules), rules).toThrow(/Invalid rule/);
    }
  });

  it('maps names with the first matching rule', () => {
    const mapper = new SslPrincipalMapper(
      [
        'RULE:^CN=(.*?),OU=ServiceUsers.*$/$1/L',
        'RULE:^CN=(.*?),OU=(.*?),O=(.*?),L=(.*?),ST=(.*?),C=(.*?)$/$1@$2/L',
        'RULE:^cn=(.*?),ou=(.*?),dc=(.*?),dc=(.*?)$/$1@$2/U',
        'RULE:^.*[Cc][Nn]=([a-zA-Z0-9.]*).*$/$1/U',
        'DEFAULT',
      ].join(', '),
    );
    expect(mapper.getName('CN=Duke,OU=ServiceUsers,O=Org,C=US')).toBe('duke');
    expect(mapper.getName('CN=Duke,OU=SME,O=mycp,L=Fulton,ST=MD,C=US')).toBe('duke@sme');
    expect(mapper.getName('cn=duke,ou=sme,dc=mycp,dc=com')).toBe('DUKE@SME');
    expect(mapper.getName('cN=duke,OU=JavaSoft,O=Sun Microsystems')).toBe('DUKE');
    expect(mapper.getName('OU=JavaSoft,O=Sun Microsystems,C=US')).toBe('OU=JavaSoft,O=Sun Microsystems,C=US');
  });

  it('splits rules as Kafka does', () => {
    const cases: [string, string][] = [
      ['[]', ''],
      ['[DEFAULT]', 'DEFAULT'],
      ['[RULE:/]', 'RULE://'],
      ['[RULE:/.*]', 'RULE:/.*/'],
      ['[RULE:/.*/L]', 'RULE:/.*/L'],
      ['[RULE:/, DEFAULT]', 'RULE://,DEFAULT'],
      ['[RULE:/, DEFAULT]', '  RULE:// ,  DEFAULT  '],
      ['[RULE:   /     , DEFAULT]', '  RULE:   /     / ,  DEFAULT  '],
      ['[RULE:  /     /U, DEFAULT]', '  RULE:  /     /U   ,DEFAULT  '],
      ['[RULE:([A-Z]*)/$1/U, RULE:([a-z]+)/$1, DEFAULT]', '  RULE:([A-Z]*)/$1/U   ,RULE:([a-z]+)/$1/,   DEFAULT  '],
      // empty rules are ignored
      ['[]', ',   , , ,      , , ,   '],
      ['[RULE:/, DEFAULT]', ',,RULE://,,,DEFAULT,,'],
      ['[RULE: /   , DEFAULT]', ',  , RULE: /   /    ,,,   DEFAULT, ,   '],
      ['[RULE:   /  /U, DEFAULT]', '     ,  , RULE:   /  /U    ,,  ,DEFAULT, ,'],
      // escape sequences
      [String.raw`[RULE:\/\\\(\)\n\t/\/\/]`, String.raw`RULE:\/\\\(\)\n\t/\/\//`],
      [String.raw`[RULE:\**\/+/*/L, RULE:\/*\**/**]`, String.raw`RULE:\**\/+/*/L,RULE:\/*\**/**/`],
      // rules rule
      [
        String.raw`[RULE:,RULE:,/,RULE:,\//U, RULE:,/RULE:,, RULE:,RULE:,/L,RULE:,/L, RULE:, DEFAULT, /DEFAULT, DEFAULT]`,
        String.raw`RULE:,RULE:,/,RULE:,\//U,RULE:,/RULE:,/,RULE:,RULE:,/L,RULE:,/L,RULE:, DEFAULT, /DEFAULT/,DEFAULT`,
      ],
    ];
    for (const [expected, rules] of cases) {
      expect(new SslPrincipalMapper(rules).toString(), rules).toBe(`SslPrincipalMapper(rules = ${expected})`);
    }
  });

  it('keeps an escaped comma inside a name', () => {
    const mapper = new SslPrincipalMapper(String.raw`RULE:^CN=((\\, *|\w)+)(,.*|$)/$1/,DEFAULT`);
    expect(mapper.getName(String.raw`CN=Tkac\, Adam,OU=ITZ,DC=geodis,DC=cz`)).toBe(String.raw`Tkac\, Adam`);
  });

  it('fails a name no rule matches', () => {
    const mapper = new SslPrincipalMapper('RULE:^CN=(.*?),OU=ServiceUsers.*$/$1/');
    expect(() => mapper.getName('CN=alice,OU=eng')).toThrow(NoMatchingRuleError);
  });

  it('treats a back reference to a missing group as literal text', () => {
    expect(new SslPrincipalMapper('RULE:^CN=(.*?),(.*)$/$1@$3/').getName('CN=alice,O=x')).toBe('alice@$3');
  });
});
