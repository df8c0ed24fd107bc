import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { generate } from '../codegen/generate.ts';
import { ERROR_DEFINITIONS, ErrorCode, errorByCode, errorByName, errorName, isRetriable, KafkaError } from '../src/index.js';

describe('error table', () => {
  it('is generated from the vendored table and up to date (run `npm run codegen -w @strom/errors`)', () => {
    for (const [path, content] of generate()) expect(readFileSync(path, 'utf8')).toBe(content);
  });

  it('has every code of Kafka 4.4, -1 to 136', () => {
    expect(ERROR_DEFINITIONS).toHaveLength(138);
    expect(ERROR_DEFINITIONS.map((e) => e.code)).toEqual(Array.from({ length: 138 }, (_, i) => i - 1));
    expect(ErrorCode.REBOOTSTRAP_REQUIRED).toBe(129);
  });

  it('exposes numeric constants by name', () => {
    expect(ErrorCode.NONE).toBe(0);
    expect(ErrorCode.UNKNOWN_SERVER_ERROR).toBe(-1);
    expect(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION).toBe(3);
    expect(ErrorCode.NOT_LEADER_OR_FOLLOWER).toBe(6);
    expect(ErrorCode.UNSUPPORTED_VERSION).toBe(35);
    expect(ErrorCode.INVALID_REQUEST).toBe(42);
    expect(ErrorCode.VOTER_NOT_FOUND).toBe(127);
  });

  it('knows retriability as Kafka does', () => {
    expect(isRetriable(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION)).toBe(true);
    expect(isRetriable(ErrorCode.NOT_LEADER_OR_FOLLOWER)).toBe(true);
    expect(isRetriable(ErrorCode.CORRUPT_MESSAGE)).toBe(true);
    expect(isRetriable(ErrorCode.CONCURRENT_TRANSACTIONS)).toBe(true);
    expect(isRetriable(ErrorCode.PRODUCER_FENCED)).toBe(false);
    expect(isRetriable(ErrorCode.INVALID_REQUEST)).toBe(false);
    expect(isRetriable(ErrorCode.NONE)).toBe(false);
    expect(isRetriable(9999)).toBe(false);
  });

  it('looks rows up by code and name', () => {
    expect(errorByCode(3)).toEqual({
      code: 3,
      name: 'UNKNOWN_TOPIC_OR_PARTITION',
      retriable: true,
      message: 'This server does not host this topic-partition.',
    });
    expect(errorByCode(14)?.message).toBe("The coordinator is loading and hence can't process requests.");
    expect(errorByCode(9999)).toBeUndefined();
    expect(errorByName('TOPIC_ALREADY_EXISTS')?.code).toBe(36);
    expect(errorName(36)).toBe('TOPIC_ALREADY_EXISTS');
    expect(errorName(9999)).toBe('UNKNOWN(9999)');
  });

  it('KafkaError carries its code, name and retriability', () => {
    const e = new KafkaError(ErrorCode.NOT_COORDINATOR, 'moved');
    expect(e).toBeInstanceOf(Error);
    expect(e.code).toBe(16);
    expect(e.errorName).toBe('NOT_COORDINATOR');
    expect(e.retriable).toBe(true);
    expect(e.name).toBe('KafkaError');
  });
});
