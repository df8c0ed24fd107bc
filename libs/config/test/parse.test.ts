import { describe, expect, it } from 'vitest';
import { ConfigValueError, brokerConfigDef, javaDoubleToString, parseValue, renderValue, topicConfigDef } from '../src/index.js';

const topic = (name: string) => {
  const def = topicConfigDef(name);
  if (!def) throw new Error(name);
  return def;
};

describe('parseValue', () => {
  it('types values like ConfigDef.parseType', () => {
    expect(parseValue(topic('retention.ms'), ' 1000 ')).toBe(1000);
    expect(parseValue(topic('preallocate'), 'TRUE')).toBe(true);
    expect(parseValue(topic('min.cleanable.dirty.ratio'), '0.25')).toBe(0.25);
    expect(parseValue(topic('cleanup.policy'), 'compact , delete')).toEqual(['compact', 'delete']);
    expect(parseValue(topic('cleanup.policy'), '')).toEqual([]);
    expect(parseValue(topic('message.timestamp.type'), 'LogAppendTime')).toBe('LogAppendTime');
    expect(parseValue(brokerConfigDef('offsets.topic.replication.factor')!, '3')).toBe(3);
    expect(parseValue(brokerConfigDef('log.retention.ms')!, null)).toBeNull();
  });

  it('keeps LONG values exact: a bigint beyond 2^53', () => {
    expect(parseValue(topic('flush.messages'), '9223372036854775807')).toBe(9223372036854775807n);
    expect(parseValue(topic('flush.messages'), '9007199254740991')).toBe(9007199254740991);
    expect(parseValue(topic('flush.messages'), '9007199254740992')).toBe(9007199254740992n);
    expect(renderValue('LONG', 9223372036854775807n)).toBe('9223372036854775807');
  });

  it.each([
    ['retention.ms', 'abc', 'Invalid value abc for configuration retention.ms: Not a number of type LONG'],
    ['retention.ms', '9223372036854775808', 'Invalid value 9223372036854775808 for configuration retention.ms: Not a number of type LONG'],
    ['retention.ms', '1.5', 'Invalid value 1.5 for configuration retention.ms: Not a number of type LONG'],
    ['retention.ms', '-2', 'Invalid value -2 for configuration retention.ms: Value must be at least -1'],
    ['segment.bytes', '2147483648', 'Invalid value 2147483648 for configuration segment.bytes: Not a number of type INT'],
    ['segment.bytes', '1024', 'Invalid value 1024 for configuration segment.bytes: Value must be at least 1048576'],
    ['preallocate', 'yes', 'Invalid value yes for configuration preallocate: Expected value to be either true or false'],
    ['min.cleanable.dirty.ratio', 'half', 'Invalid value half for configuration min.cleanable.dirty.ratio: Not a number of type DOUBLE'],
    ['min.cleanable.dirty.ratio', '1.5', 'Invalid value 1.5 for configuration min.cleanable.dirty.ratio: Value must be no more than 1'],
    [
      'message.timestamp.type',
      'createtime',
      'Invalid value createtime for configuration message.timestamp.type: String must be one of: CreateTime, LogAppendTime',
    ],
    ['cleanup.policy', 'delete,purge', 'Invalid value purge for configuration cleanup.policy: String must be one of: compact, delete'],
    [
      'compression.type',
      'brotli',
      'Invalid value brotli for configuration compression.type: String must be one of: uncompressed, zstd, lz4, snappy, gzip, producer',
    ],
    [
      'compression.gzip.level',
      '0',
      'Invalid value 0 for configuration compression.gzip.level: Value must be between 1 and 9 or equal to -1',
    ],
    ['compression.zstd.level', '23', 'Invalid value 23 for configuration compression.zstd.level: Value must be no more than 22'],
  ])("%s=%j fails with Kafka's message", (name, raw, message) => {
    expect(() => parseValue(topic(name), raw)).toThrow(ConfigValueError);
    expect(() => parseValue(topic(name), raw)).toThrow(message);
  });

  it('accepts throttled replica lists and the wildcard', () => {
    const def = topic('leader.replication.throttled.replicas');
    expect(parseValue(def, '0:1,1:2')).toEqual(['0:1', '1:2']);
    expect(parseValue(def, '*')).toEqual(['*']);
    expect(parseValue(def, '')).toEqual([]);
    expect(() => parseValue(def, '0:1,*')).toThrow(/must be the literal '\*'/);
  });

  it("renders doubles like Java's Double.toString", () => {
    expect(javaDoubleToString(0.5)).toBe('0.5');
    expect(javaDoubleToString(1)).toBe('1.0');
    expect(javaDoubleToString(0.9)).toBe('0.9');
    expect(javaDoubleToString(1e7)).toBe('1.0E7');
    expect(javaDoubleToString(1.7976931348623157e308)).toBe('1.7976931348623157E308');
    expect(javaDoubleToString(0.0001)).toBe('1.0E-4');
    expect(renderValue('DOUBLE', parseValue(topic('min.cleanable.dirty.ratio'), '1'))).toBe('1.0');
  });
});
