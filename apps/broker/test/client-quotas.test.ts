import { ErrorCode } from '@strom/errors';
import { createDescribeClientQuotasRequest } from '@strom/protocol';
import { describe, expect, it } from 'vitest';
import { quotaFilterProblem } from '../src/api/client-quotas.js';

const filter = (...components: [entityType: string, matchType: number, match: string | null][]) =>
  createDescribeClientQuotasRequest({ components: components.map(([entityType, matchType, match]) => ({ entityType, matchType, match })) });

/** Each answer as a Kafka 4.4.0 broker gave it to the same DescribeClientQuotas filter (v0 and v1 alike). */
describe('DescribeClientQuotas filters, refused as Kafka refuses them', () => {
  it('takes the filters kafka-configs.sh sends', () => {
    expect(quotaFilterProblem(filter())).toBeUndefined();
    expect(quotaFilterProblem(filter(['user', 1, null]))).toBeUndefined();
    expect(quotaFilterProblem(filter(['client-id', 0, 'c1']))).toBeUndefined();
    expect(quotaFilterProblem(filter(['user', 0, 'alice'], ['client-id', 2, null]))).toBeUndefined();
  });

  it('refuses what Kafka 4.4 refuses, with its code and message', () => {
    expect(quotaFilterProblem(filter(['bogus', 1, null]))).toEqual({
      errorCode: ErrorCode.UNSUPPORTED_VERSION,
      errorMessage: 'Unsupported entity type bogus',
    });
    expect(quotaFilterProblem(filter(['user', 0, null], ['user', 1, null]))).toEqual({
      errorCode: ErrorCode.INVALID_REQUEST,
      errorMessage: 'Request specified MATCH_TYPE_EXACT, but set match string to null.',
    });
    expect(quotaFilterProblem(filter(['user', 7, null]))).toEqual({
      errorCode: ErrorCode.INVALID_REQUEST,
      errorMessage: 'Unknown match type 7',
    });
    expect(quotaFilterProblem(filter(['user', 0, 'x'], ['ip', 1, null]))).toEqual({
      errorCode: ErrorCode.INVALID_REQUEST,
      errorMessage:
        'Invalid entity filter component combination. IP filter component should not be used with user or clientId filter component.',
    });
  });

  it("refuses an empty or repeated entity type, as Kafka's ClientQuotasImage.describe does", () => {
    expect(quotaFilterProblem(filter(['', 1, null]))?.errorMessage).toBe('Invalid empty entity type.');
    expect(quotaFilterProblem(filter(['user', 1, null], ['user', 2, null]))?.errorMessage).toBe(
      'Entity type user cannot appear more than once in the filter.',
    );
  });
});
