/**
 * What a group handler returns (Kafka's `CoordinatorResult`): the records to write, the answer,
 * and the timers and held requests the runtime acts on afterwards. Handlers only describe; the
 * runtime (`runtime.ts`) writes the records, applies them with `replay()`, then answers and
 * schedules.
 */
import type { ErrorCode } from '@strom/errors';
import type { ClassicGroup, JoinCallback, JoinResult, SyncCallback, SyncResult } from './classic-group.js';
import type { GroupConfig } from './config.js';
import type { PersistedGroup, PersistedOffset } from './store.js';

/**
 * A change to a group's durable state, as Kafka writes them to `__consumer_offsets`. Deviation:
 * a group tombstone also removes the group's offsets (the store deletes them together), where
 * Kafka writes one tombstone per offset beside it.
 */
export type GroupRecord =
  | { kind: 'GroupMetadata'; value: PersistedGroup }
  | { kind: 'GroupTombstone'; groupId: string }
  | { kind: 'OffsetCommit'; groupId: string; value: PersistedOffset }
  | { kind: 'OffsetTombstone'; groupId: string; topic: string; partition: number };

export function recordGroupId(record: GroupRecord): string {
  return record.kind === 'GroupMetadata' ? record.value.groupId : record.groupId;
}

/** What a group timer does when it fires; the runtime hands it back to `onTimer` (rebalance.ts). */
export type TimerOp =
  /** A member's session expired (Kafka's heartbeat purgatory). */
  | { kind: 'heartbeat'; memberId: string }
  /** A member id handed out with MEMBER_ID_REQUIRED was not used in time. */
  | { kind: 'pending-member'; memberId: string }
  /** The join phase's wait ended (InitialDelayedJoin or DelayedJoin). */
  | { kind: 'join' }
  /** Members of `generationId` did not send SyncGroup in time. */
  | { kind: 'sync'; generationId: number };

/** A group has at most one timer per key; scheduling a key again replaces its timer. */
export function timerKey(op: TimerOp): string {
  switch (op.kind) {
    case 'heartbeat':
      return `heartbeat:${op.memberId}`;
    case 'pending-member':
      return `pending-member:${op.memberId}`;
    case 'join':
    case 'sync':
      return op.kind;
  }
}

export type TimerChange = { key: string; op: TimerOp; delayMs: number } | { key: string; op: undefined };

/** An answer to a JoinGroup or SyncGroup the runtime holds (Kafka's response futures). */
export type Completion = { to: JoinCallback; join: JoinResult } | { to: SyncCallback; sync: SyncResult };

/** What handlers read besides the group and the request: the clock's value, the config, a logger. */
export interface GroupContext {
  readonly nowMs: number;
  readonly config: GroupConfig;
  readonly log: GroupLogger;
  /** The random part of a new member id. */
  readonly newUuid: () => string;
}

/** The structured-logging calls the coordinator makes (a pino Logger fits). */
export interface GroupLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export const silentLogger: GroupLogger = { debug() {}, info() {}, warn() {}, error() {} };

export interface CoordinatorResult<R> {
  /** Written together (one store call), then applied, before anything else below happens. */
  readonly records: readonly GroupRecord[];
  /** The request's answer; the last one along the chain of continuations counts. */
  readonly response: R | undefined;
  /** A group the handler created in memory (a JoinGroup to an unknown group). */
  readonly newGroup: ClassicGroup | undefined;
  readonly completions: readonly Completion[];
  readonly timers: readonly TimerChange[];
  /** Runs once the records are written and applied (Kafka's appendFuture). */
  readonly onAppended: (() => CoordinatorResult<R>) | undefined;
  /** Runs instead when they could not be written; nothing was applied. */
  readonly onAppendFailed: ((error: ErrorCode) => CoordinatorResult<R>) | undefined;
}

/** The parts of a result that the shared rebalance steps add to, whatever the request. */
export interface Effects {
  append(record: GroupRecord): void;
  schedule(op: TimerOp, delayMs: number): void;
  cancel(key: string): void;
  answerJoin(to: JoinCallback | undefined, result: JoinResult): void;
  /** False when there was nobody to answer. */
  answerSync(to: SyncCallback | undefined, result: SyncResult): boolean;
}

/** Collects a result; handlers use one per call and end with `build()`. */
export class ResultBuilder<R> implements Effects {
  private readonly records: GroupRecord[] = [];
  private readonly completions: Completion[] = [];
  private readonly timers: TimerChange[] = [];
  private response: R | undefined;
  private newGroup: ClassicGroup | undefined;
  private onAppended: (() => CoordinatorResult<R>) | undefined;
  private onAppendFailed: ((error: ErrorCode) => CoordinatorResult<R>) | undefined;

  append(record: GroupRecord): void {
    this.records.push(record);
  }

  schedule(op: TimerOp, delayMs: number): void {
    this.timers.push({ key: timerKey(op), op, delayMs });
  }

  cancel(key: string): void {
    this.timers.push({ key, op: undefined });
  }

  answerJoin(to: JoinCallback | undefined, result: JoinResult): void {
    if (to !== undefined) this.completions.push({ to, join: result });
  }

  answerSync(to: SyncCallback | undefined, result: SyncResult): boolean {
    if (to === undefined) return false;
    this.completions.push({ to, sync: result });
    return true;
  }

  respond(response: R): this {
    this.response = response;
    return this;
  }

  created(group: ClassicGroup): void {
    this.newGroup = group;
  }

  /** Sets the continuations; a result has at most one pair. */
  afterAppend(onAppended: (() => CoordinatorResult<R>) | undefined, onAppendFailed?: (error: ErrorCode) => CoordinatorResult<R>): void {
    if (this.onAppended !== undefined || this.onAppendFailed !== undefined) throw new Error('a result has one pair of continuations');
    this.onAppended = onAppended;
    this.onAppendFailed = onAppendFailed;
  }

  build(): CoordinatorResult<R> {
    return {
      records: this.records,
      response: this.response,
      newGroup: this.newGroup,
      completions: this.completions,
      timers: this.timers,
      onAppended: this.onAppended,
      onAppendFailed: this.onAppendFailed,
    };
  }
}

/** A result that only answers. */
export function answer<R>(response: R): CoordinatorResult<R> {
  return new ResultBuilder<R>().respond(response).build();
}
