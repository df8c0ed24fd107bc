import { describe, expect, it } from 'vitest';
import { RestError } from '../src/rest/errors.js';
import { TemporalClusterOperations } from '../src/rest/temporal-operations.js';

describe('cluster operations on a Temporal frontend that does not answer', () => {
  it('answer 503 in seconds, for the list and for one operation', async () => {
    const operations = new TemporalClusterOperations({ address: '127.0.0.1:1', namespace: 'default', uiUrl: null, requestTimeoutMs: 500 });
    try {
      const startedMs = Date.now();
      for (const call of [() => operations.list({ pageSize: 10 }), () => operations.describe('broker-failover-1-1')]) {
        const error: unknown = await call().catch((failure: unknown) => failure);
        expect(error).toBeInstanceOf(RestError);
        expect([(error as RestError).status, (error as RestError).errorCode]).toEqual([503, 503]);
        expect((error as RestError).message).toContain('Temporal at 127.0.0.1:1 did not answer');
      }
      expect(Date.now() - startedMs).toBeLessThan(5000);
    } finally {
      await operations.close();
    }
  });
});
