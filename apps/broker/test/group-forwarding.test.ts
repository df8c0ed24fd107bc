import { MAX_REQUEST_TIMEOUT_MS } from '@strom/bus';
import {
  ApiKey,
  createHeartbeatRequest,
  createOffsetCommitRequest,
  createJoinGroupRequest,
  createJoinGroupRequestProtocol,
  createSyncGroupRequest,
} from '@strom/protocol';
import { describe, expect, it } from 'vitest';
import { coordinatorWaitMs } from '../src/api/groups.js';

const INT32_MAX = 2_147_483_647;

function join(o: { memberId?: string; rebalanceTimeoutMs: number; sessionTimeoutMs?: number }) {
  return createJoinGroupRequest({
    groupId: 'g',
    memberId: o.memberId ?? '',
    sessionTimeoutMs: o.sessionTimeoutMs ?? 10_000,
    rebalanceTimeoutMs: o.rebalanceTimeoutMs,
    protocolType: 'consumer',
    protocols: [createJoinGroupRequestProtocol({ name: 'range', metadata: Buffer.alloc(0) })],
  });
}

describe('coordinatorWaitMs', () => {
  it('follows the JoinGroup rebalance timeout past the old 300,000 ms cap, with a 5 s margin', () => {
    expect(coordinatorWaitMs(ApiKey.JoinGroup, join({ rebalanceTimeoutMs: 600_000 }))).toBe(605_000);
    expect(coordinatorWaitMs(ApiKey.JoinGroup, join({ rebalanceTimeoutMs: 1_800_000 }))).toBe(1_805_000);
    expect(coordinatorWaitMs(ApiKey.JoinGroup, join({ rebalanceTimeoutMs: 300_001 }))).toBe(305_001);
  });

  it('uses the session timeout when it is the longer (JoinGroup v0 has no rebalance timeout: -1)', () => {
    expect(coordinatorWaitMs(ApiKey.JoinGroup, join({ rebalanceTimeoutMs: -1, sessionTimeoutMs: 45_000 }))).toBe(50_000);
  });

  it('never waits less than an ordinary request', () => {
    expect(coordinatorWaitMs(ApiKey.JoinGroup, join({ rebalanceTimeoutMs: 1_000, sessionTimeoutMs: 6_000 }))).toBe(35_000);
  });

  it('stays within what the bus and Node timers accept at the int32 maximum', () => {
    expect(coordinatorWaitMs(ApiKey.JoinGroup, join({ rebalanceTimeoutMs: INT32_MAX }))).toBe(INT32_MAX);
    expect(MAX_REQUEST_TIMEOUT_MS).toBe(INT32_MAX);
  });

  it('lets a SyncGroup wait for any rebalance timeout the coordinator accepts (the request does not carry it)', () => {
    const sync = createSyncGroupRequest({ groupId: 'g', memberId: 'm', generationId: 1 });
    expect(coordinatorWaitMs(ApiKey.SyncGroup, sync)).toBe(INT32_MAX);
  });

  it('gives the APIs the coordinator answers at once 5 s, less than the least session timeout (6 s)', () => {
    const heartbeat = createHeartbeatRequest({ groupId: 'g', memberId: 'm', generationId: 1 });
    expect(coordinatorWaitMs(ApiKey.Heartbeat, heartbeat)).toBe(5_000);
    expect(coordinatorWaitMs(ApiKey.OffsetCommit, createOffsetCommitRequest({ groupId: 'g' }))).toBe(5_000);
  });
});

/**
 * A broker's forwarder and the real group coordinator over an in-process bus, on vitest's fake
 * clock (the bus and the coordinator both schedule with setTimeout), so ten minutes pass at once.
 */
