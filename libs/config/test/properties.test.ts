import { describe, expect, it } from 'vitest';
import { PropertiesSyntaxError, parsePropertiesEntries, parseServerProperties } from '../src/index.js';

describe('parseServerProperties (java.util.Properties syntax)', () => {
  it('reads the three separators and ignores whitespace around them', () => {
    expect(parseServerProperties('a=1\nb: 2\nc 3\nd   =   4\n  e:5\n\tf\t6')).toEqual({ a: '1', b: '2', c: '3', d: '4', e: '5', f: '6' });
  });

  it('skips # and ! comments and blank lines, but not # inside values', () => {
    const text = '# comment\n! also a comment\n   # indented comment\n\n   \nurl=http://h/#frag\nk=v # not a comment';
    expect(parseServerProperties(text)).toEqual({ url: 'http://h/#frag', k: 'v # not a comment' });
  });

  it('keeps trailing whitespace of values and allows empty values', () => {
    expect(parseServerProperties('a=x  \nb=\nc\nd:\ne =   ')).toEqual({ a: 'x  ', b: '', c: '', d: '', e: '' });
  });

  it('joins continuation lines, dropping the leading whitespace of the next line', () => {
    const text = 'listeners=PLAINTEXT://:9092,\\\n          CONTROLLER://:9093\nnext=1';
    expect(parseServerProperties(text)).toEqual({ listeners: 'PLAINTEXT://:9092,CONTROLLER://:9093', next: '1' });
  });

  it('treats an even number of trailing backslashes as literal backslashes', () => {
    expect(parseServerProperties('path=C:\\\\dir\\\\\nnext=1')).toEqual({ path: 'C:\\dir\\', next: '1' });
  });

  it('does not treat # as a comment on a continuation line, nor continue a comment', () => {
    expect(parseServerProperties('a=1,\\\n#2\n# comment \\\nb=3')).toEqual({ a: '1,#2', b: '3' });
  });

  it('drops a trailing backslash at the end of the file', () => {
    expect(parseServerProperties('a=1\\')).toEqual({ a: '1' });
  });

  it('resolves escapes in keys and values', () => {
    const text = 'tab=a\\tb\nnl=a\\nb\nslash=a\\\\b\nuni=caf\\u00e9\nother=\\x\\:\\=\nkey\\ with\\ spaces=v\nk\\=eq=v2\nk\\:colon:v3';
    expect(parseServerProperties(text)).toEqual({
      tab: 'a\tb',
      nl: 'a\nb',
      slash: 'a\\b',
      uni: 'café',
      other: 'x:=',
      'key with spaces': 'v',
      'k=eq': 'v2',
      'k:colon': 'v3',
    });
  });

  it('uses only the first separator; later ones belong to the value', () => {
    expect(parseServerProperties('a==b\nc=d=e\nf : = g\nh  i  j')).toEqual({ a: '=b', c: 'd=e', f: '= g', h: 'i  j' });
  });

  it('handles CRLF and CR line endings and a BOM', () => {
    expect(parseServerProperties('\uFEFFa=1\r\nb=2\rc=3\r\n')).toEqual({ a: '1', b: '2', c: '3' });
  });

  it('lets the last duplicate win, and records every entry with its line', () => {
    expect(parseServerProperties('a=1\na=2')).toEqual({ a: '2' });
    expect(parsePropertiesEntries('# x\na=1\nb=2,\\\n  3\na=4')).toEqual([
      { key: 'a', value: '1', line: 2 },
      { key: 'b', value: '2,3', line: 3 },
      { key: 'a', value: '4', line: 5 },
    ]);
  });

  it('rejects malformed \\u escapes with the line number', () => {
    expect(() => parseServerProperties('a=1\nb=\\u12G4')).toThrow(PropertiesSyntaxError);
    expect(() => parseServerProperties('a=1\nb=\\u12G4')).toThrow('line 2: Malformed \\uxxxx encoding.');
  });

  it('is safe with keys like __proto__', () => {
    const props = parseServerProperties('__proto__=x\nconstructor=y');
    expect(Object.keys(props)).toEqual(['__proto__', 'constructor']);
    expect(props['__proto__']).toBe('x');
  });
});
