import { describe, expect, it } from 'vitest';
import { INVALID_CONFIG, validateTopicConfigs } from '../src/index.js';

describe('validateTopicConfigs', () => {
  it('accepts valid configs and returns typed values', () => {
    const result = validateTopicConfigs({
      'retention.ms': '3600000',
      'cleanup.policy': 'compact,delete',
      'flush.messages': '9223372036854775807',
    });
    expect(result).toEqual({
      valid: true,
      errors: [],
      values: { 'retention.ms': 3600000, 'cleanup.policy': ['compact', 'delete'], 'flush.messages': 9223372036854775807n },
    });
  });

  it("rejects unknown names with INVALID_CONFIG and Kafka's message", () => {
    const result = validateTopicConfigs({ 'retention.msec': '1', 'message.format.version': '3.0' });
    expect(result.valid).toBe(false);
    expect(result.errors).toEqual([
      { name: 'retention.msec', errorCode: 40, message: 'Unknown topic config name: retention.msec' },
      { name: 'message.format.version', errorCode: 40, message: 'Unknown topic config name: message.format.version' },
    ]);
    expect(INVALID_CONFIG).toBe(40);
  });

  it('reports one error per bad key, in input order', () => {
    const result = validateTopicConfigs({ 'retention.ms': 'abc', 'segment.ms': '0', 'min.insync.replicas': '2', bogus: 'x' });
    expect(result.errors).toEqual([
      { name: 'retention.ms', errorCode: 40, message: 'Invalid value abc for configuration retention.ms: Not a number of type LONG' },
      { name: 'segment.ms', errorCode: 40, message: 'Invalid value 0 for configuration segment.ms: Value must be at least 1' },
      { name: 'bogus', errorCode: 40, message: 'Unknown topic config name: bogus' },
    ]);
    expect(result.values).toEqual({ 'min.insync.replicas': 2 });
  });

  it('treats null as removing an override, or rejects it like CreateTopics', () => {
    expect(validateTopicConfigs({ 'retention.ms': null }).valid).toBe(true);
    expect(validateTopicConfigs({ 'retention.ms': null }, { nullValues: 'reject' }).errors).toEqual([
      { name: 'retention.ms', errorCode: 40, message: 'Null value not supported for topic configs: retention.ms' },
    ]);
  });

  it('checks that min.compaction.lag.ms does not exceed max.compaction.lag.ms', () => {
    expect(validateTopicConfigs({ 'min.compaction.lag.ms': '10', 'max.compaction.lag.ms': '5' }).errors).toEqual([
      {
        name: 'min.compaction.lag.ms',
        errorCode: 40,
        message: 'conflict topic config setting min.compaction.lag.ms (10) > max.compaction.lag.ms (5)',
      },
    ]);
    expect(validateTopicConfigs({ 'min.compaction.lag.ms': '10' }).valid).toBe(true);
  });

  it('refuses remote storage while the broker has no tiered storage', () => {
    expect(validateTopicConfigs({ 'remote.storage.enable': 'true' }).errors[0]?.message).toMatch(
      /Tiered Storage functionality is disabled/,
    );
    expect(validateTopicConfigs({ 'remote.storage.enable': 'true' }, { remoteLogStorageSystemEnabled: true }).valid).toBe(true);
  });
});
