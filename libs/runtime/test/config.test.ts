import { describe, expect, it } from 'vitest';
import { ConfigError, defineConfigSchema, describeConfig, envNames, loadConfig } from '../src/index.js';

const schema = defineConfigSchema({
  port: { type: 'int', env: 'T_PORT', flag: 'port', doc: 'port', default: 9092, min: 0, max: 65_535 },
  host: { type: 'string', env: 'T_HOST', flag: 'host', doc: 'host', default: '127.0.0.1' },
  verbose: { type: 'boolean', env: 'T_VERBOSE', flag: 'verbose', doc: 'verbose', default: false },
  level: { type: 'string', env: 'T_LEVEL', flag: 'level', doc: 'level', default: 'info', oneOf: ['info', 'debug'] },
  url: { type: 'url', env: 'T_URL', flag: 'url', doc: 'url' },
});

describe('config from flags, env and defaults', () => {
  it('takes defaults when nothing is given', () => {
    expect(loadConfig(schema, { argv: [], env: {} })).toEqual({
      port: 9092,
      host: '127.0.0.1',
      verbose: false,
      level: 'info',
      url: undefined,
    });
  });

  it('prefers flags over env over defaults, in both flag spellings', () => {
    const env = { T_PORT: '1000', T_HOST: 'envhost', T_URL: 'nats://a:1' };
    expect(loadConfig(schema, { argv: ['--port', '2000', '--verbose'], env })).toMatchObject({
      port: 2000,
      host: 'envhost',
      verbose: true,
      url: 'nats://a:1',
    });
    expect(loadConfig(schema, { argv: ['--port=3000', '--verbose=false'], env })).toMatchObject({ port: 3000, verbose: false });
  });

  it.each([
    [['--nope', '1'], /unknown flag --nope/],
    [['--port', 'abc'], /--port: 'abc' is not an integer/],
    [['--port', '70000'], /above the maximum 65535/],
    [['--level', 'loud'], /--level: 'loud' is not one of info, debug/],
    [['--url', 'not a url'], /--url: 'not a url' is not a URL/],
    [['--port'], /--port needs a value/],
    [['--verbose=maybe'], /not a boolean/],
  ])('rejects %j with a ConfigError naming the key', (argv, message) => {
    expect(() => loadConfig(schema, { argv, env: {} })).toThrow(ConfigError);
    expect(() => loadConfig(schema, { argv, env: {} })).toThrow(message);
  });

  it('names the environment variable when the env value is bad', () => {
    expect(() => loadConfig(schema, { argv: [], env: { T_PORT: '-5' } })).toThrow(/T_PORT: -5 is below the minimum 0/);
  });

  it('lists env names and describes every field', () => {
    expect(envNames(schema)).toEqual(['T_PORT', 'T_HOST', 'T_VERBOSE', 'T_LEVEL', 'T_URL']);
    expect(describeConfig(schema)).toContain('--port <int>');
    expect(describeConfig(schema)).toContain('(default 9092)');
  });

  it('refuses a schema with badly formed names', () => {
    expect(() => defineConfigSchema({ x: { type: 'int', env: 'lower', flag: 'x', doc: '' } })).toThrow(/UPPER_SNAKE/);
  });
});
