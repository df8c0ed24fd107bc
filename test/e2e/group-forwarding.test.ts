import { InProcessBus, type Bus } from '@strom/bus';
import { CoordinatorSubjects, decodeForwardedRequest, encodeResponseBody } from '@strom/contracts';
import { forwardToCoordinator, type ClientContext } from '@strom/broker';
import { GroupCoordinator, systemTime } from '@strom/coordinator';
import { ErrorCode } from '@strom/errors';
import {
  ApiKey,
  createJoinGroupRequest,
  createJoinGroupRequestProtocol,
  createSyncGroupRequest,
  createSyncGroupRequestAssignment,
  type JoinGroupResponse,
  type RequestHeader,
} from '@strom/protocol';
import { createLogger } from '@strom/runtime';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { InMemoryGroupStore } from '../../apps/coordinator/test/memory-group-store.js';

/**
 * The broker's group forwarding (apps/broker) over an in-process bus to the real group coordinator
 * (apps/coordinator), on a fake clock: a JoinGroup held for a 10-minute rebalance timeout is
 * answered by the coordinator, not COORDINATOR_NOT_AVAILABLE at the broker's old 300 s cap.
 */
const logger = createLogger('group-forwarding-test', 'silent');

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

describe('a JoinGroup held for a 10-minute rebalance timeout', () => {
  const TEN_MINUTES = 600_000;
  const VERSION = 3; // JoinGroup v1+ carries the rebalance timeout; before v4 no member id round trip
  let bus: Bus;
  let coordinator: GroupCoordinator;
  const client = { remoteAddress: '127.0.0.1:50000' } as ClientContext;
  const header = { clientId: 'consumer' } as RequestHeader;

  beforeEach(async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    bus = new InProcessBus();
    coordinator = new GroupCoordinator({ store: new InMemoryGroupStore(), time: systemTime });
    await coordinator.start();
    bus.reply(CoordinatorSubjects.kafka, async (payload) => {
      const { apiKey, apiVersion, body, client: from } = decodeForwardedRequest(payload);
      if (apiKey === ApiKey.JoinGroup)
        return encodeResponseBody(apiKey, apiVersion, await coordinator.joinGroup(body as never, apiVersion, from));
      if (apiKey === ApiKey.SyncGroup)
        return encodeResponseBody(apiKey, apiVersion, await coordinator.syncGroup(body as never, apiVersion));
      throw new Error(`unexpected API ${apiKey}`);
    });
  });

  afterEach(async () => {
    await coordinator.stop();
    await bus.close();
    vi.useRealTimers();
  });

  const joinVia = (memberId: string) =>
    forwardToCoordinator(bus, ApiKey.JoinGroup, logger)(
      join({ memberId, rebalanceTimeoutMs: TEN_MINUTES, sessionTimeoutMs: 1_200_000 }),
      VERSION,
      client,
      header,
    );
  const syncVia = (memberId: string, generationId: number, assignments: string[] = []) =>
    forwardToCoordinator(bus, ApiKey.SyncGroup, logger)(
      createSyncGroupRequest({
        groupId: 'g',
        memberId,
        generationId,
        assignments: assignments.map((id) => createSyncGroupRequestAssignment({ memberId: id, assignment: Buffer.alloc(0) })),
      }),
      2,
      client,
      header,
    );

  async function pending(promise: Promise<JoinGroupResponse>): Promise<boolean> {
    let settled = false;
    const done = () => (settled = true);
    void promise.then(done, done);
    await vi.advanceTimersByTimeAsync(0);
    return !settled;
  }

  it('is answered by the coordinator when the rebalance ends, not COORDINATOR_NOT_AVAILABLE at 305 s', async () => {
    // A alone: the initial rebalance delay (3 s) passes, A leads generation 1.
    const firstA = joinVia('');
    await vi.advanceTimersByTimeAsync(3_000);
    const a = await firstA;
    expect(a.errorCode).toBe(ErrorCode.NONE);
    expect((await syncVia(a.memberId, a.generationId, [a.memberId])).errorCode).toBe(ErrorCode.NONE);

    // B joins: A rejoins, generation 2 with both.
    const secondB = joinVia('');
    await vi.advanceTimersByTimeAsync(0);
    const secondA = joinVia(a.memberId);
    const [b2, a2] = await Promise.all([secondB, secondA]);
    expect([a2.errorCode, b2.errorCode]).toEqual([ErrorCode.NONE, ErrorCode.NONE]);
    expect(a2.leader).toBe(a.memberId);
    const syncs = [syncVia(b2.memberId, 2), syncVia(a.memberId, 2, [a.memberId, b2.memberId])];
    expect((await Promise.all(syncs)).map((s) => s.errorCode)).toEqual([ErrorCode.NONE, ErrorCode.NONE]);

    // The leader rejoins; B never does, so the coordinator holds A's JoinGroup for the full
    // rebalance timeout (ten minutes), well past the broker's former 300,000 + 5,000 ms bound.
    const thirdA = joinVia(a.memberId);
    expect(await pending(thirdA)).toBe(true);
    await vi.advanceTimersByTimeAsync(305_001);
    expect(await pending(thirdA)).toBe(true);
    await vi.advanceTimersByTimeAsync(TEN_MINUTES - 305_001);
    const a3 = await thirdA;
    expect(a3.errorCode).toBe(ErrorCode.NONE);
    expect(a3.generationId).toBe(3);
    expect(a3.leader).toBe(a.memberId);
    expect(a3.members.map((m) => m.memberId)).toEqual([a.memberId]);
  });
});
