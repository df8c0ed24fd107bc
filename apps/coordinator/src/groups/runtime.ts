/**
 * The group runtime (Kafka's CoordinatorRuntime with its timer, for one shard that holds every
 * group): one actor per group whose mailbox runs that group's operations one at a time. For
 * each handler result it writes the records to the GroupStore, applies them with `replay()`,
 * then answers held requests, (re)schedules timers and runs the result's continuation. Loading
 * reads the store back as records and replays them the same way.
 */
import { ErrorCode } from '@strom/errors';
import type { ClassicGroup } from './classic-group.js';
import type { GroupConfig } from './config.js';
import { Mailbox, MailboxFullError } from './mailbox.js';
import { answerWaiting, onGroupLoaded, onTimer } from './rebalance.js';
import { loadRecords, replay } from './replay.js';
import { recordGroupId, type CoordinatorResult, type GroupContext, type GroupLogger, type GroupRecord, type TimerOp } from './result.js';
import type { GroupStore } from './store.js';
import type { GroupTime, Timer } from './time.js';

/** Bound on concurrent store reads while loading groups at start. */
const LOAD_CONCURRENCY = 8;

type RuntimeStatus = 'new' | 'loading' | 'active' | 'stopped';

/** A group's actor: the mailbox that serializes its operations, the state they own and its timers by key. */
class GroupActor {
  group: ClassicGroup | undefined;
  readonly mailbox: Mailbox;
  readonly timers = new Map<string, Timer>();

  constructor(
    readonly groupId: string,
    mailboxLimit: number,
  ) {
    this.mailbox = new Mailbox(mailboxLimit);
  }
}

export interface GroupRuntimeDeps {
  store: GroupStore;
  config: GroupConfig;
  time: GroupTime;
  log: GroupLogger;
  newUuid: () => string;
}

export class GroupRuntime {
  private readonly deps: GroupRuntimeDeps;
  private readonly actors = new Map<string, GroupActor>();
  private status: RuntimeStatus = 'new';
  private sweepTimer: Timer | undefined;
  private sweep: ((group: ClassicGroup, ctx: GroupContext) => CoordinatorResult<void>) | undefined;

  constructor(deps: GroupRuntimeDeps) {
    this.deps = deps;
  }

  get isActive(): boolean {
    return this.status === 'active';
  }

  /** Why requests cannot be served now: loading, or not started / stopped. */
  get statusError(): ErrorCode | undefined {
    if (this.status === 'loading') return ErrorCode.COORDINATOR_LOAD_IN_PROGRESS;
    if (this.status !== 'active') return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    return undefined;
  }

  /** Kafka's `validateGroupStatus`: an invalid id, then the coordinator's own state. */
  validateGroupStatus(groupId: string, allowEmptyGroupId: boolean): ErrorCode | undefined {
    // OffsetCommit, OffsetFetch, DescribeGroups and DeleteGroups accept "" for backwards compatibility.
    if (groupId === '' && !allowEmptyGroupId) return ErrorCode.INVALID_GROUP_ID;
    return this.statusError;
  }

  /** The clock's value, for stamping requests before they reach a handler (commit timestamps). */
  nowMs(): number {
    return this.deps.time.now();
  }

  /** Every group in memory, read outside the mailboxes (ListGroups). */
  groups(): ClassicGroup[] {
    return [...this.actors.values()].flatMap((a) => (a.group ? [a.group] : []));
  }

  /**
   * Loads every persisted group and its offsets by replaying them; requests meanwhile get
   * COORDINATOR_LOAD_IN_PROGRESS. `sweep` runs on every group each retention check interval.
   */
  async start(sweep: (group: ClassicGroup, ctx: GroupContext) => CoordinatorResult<void>): Promise<void> {
    if (this.status === 'active' || this.status === 'loading') return;
    this.status = 'loading';
    this.sweep = sweep;
    const loaded: ClassicGroup[] = [];
    try {
      const persisted = await this.deps.store.loadGroups();
      let next = 0;
      const worker = async (): Promise<void> => {
        while (next < persisted.length) {
          const metadata = persisted[next++];
          if (metadata === undefined) continue;
          const offsets = await this.deps.store.fetchOffsets(metadata.groupId);
          let group: ClassicGroup | undefined;
          for (const record of loadRecords(metadata, offsets)) group = replay(group, record, this.deps.time.now(), this.deps.log);
          if (group) loaded.push(group);
        }
      };
      await Promise.all(Array.from({ length: Math.min(LOAD_CONCURRENCY, persisted.length) }, worker));
    } catch (error) {
      if (this.status === 'loading') this.status = 'new';
      throw error;
    }
    // stop() while loading wins: the loaded state is dropped.
    if (this.status !== 'loading') return;
    for (const group of loaded) this.actorFor(group.groupId).group = group;
    this.status = 'active';
    await this.forEachGroup(onGroupLoaded);
    this.scheduleSweep();
    this.deps.log.info({ groups: loaded.length }, 'classic group coordinator loaded');
  }

  /**
   * Stops taking requests, lets queued operations finish (including their store writes),
   * answers requests still waiting on a rebalance with NOT_COORDINATOR and cancels every timer.
   */
  async stop(): Promise<void> {
    if (this.status === 'new' || this.status === 'stopped') {
      this.status = 'stopped';
      return;
    }
    this.status = 'stopped';
    this.sweepTimer?.cancel();
    this.sweepTimer = undefined;
    await Promise.all([...this.actors.values()].map((actor) => actor.mailbox.idle()));
    for (const actor of this.actors.values()) {
      if (actor.group) this.dispose(actor, actor.group, ErrorCode.NOT_COORDINATOR);
      actor.group = undefined;
    }
    this.actors.clear();
  }

  /** Runs a handler in the group's mailbox and resolves with its response (or `onError`'s, if it could not run). */
  async write<R>(
    groupId: string,
    handler: (group: ClassicGroup | undefined, ctx: GroupContext) => CoordinatorResult<R>,
    onError: (code: ErrorCode) => R,
  ): Promise<R> {
    try {
      return await this.submit(groupId, async (actor) => {
        const response = await this.process(actor, handler(actor.group, this.context()));
        if (response === undefined) throw new Error(`a handler for group ${groupId} gave no response`);
        return response;
      });
    } catch (error) {
      return onError(this.errorCode(groupId, error));
    }
  }

  /**
   * Runs a handler that answers through `respond`, possibly later (a JoinGroup or SyncGroup
   * held for the rest of the group: the runtime keeps the pending answer).
   */
  async awaitAnswer<R>(
    groupId: string,
    handler: (group: ClassicGroup | undefined, respond: (result: R) => void, ctx: GroupContext) => CoordinatorResult<void>,
    onError: (code: ErrorCode) => R,
  ): Promise<R> {
    const { promise, resolve } = Promise.withResolvers<R>();
    let answered = false;
    const respond = (result: R): void => {
      if (answered) return;
      answered = true;
      resolve(result);
    };
    try {
      await this.submit(groupId, (actor) => this.process(actor, handler(actor.group, respond, this.context())));
    } catch (error) {
      respond(onError(this.errorCode(groupId, error)));
    }
    return promise;
  }

  /** Reads in the group's mailbox, so the read sees every operation on it that arrived before. */
  async read<R>(groupId: string, read: (group: ClassicGroup | undefined) => R, onError: (code: ErrorCode) => R): Promise<R> {
    try {
      return await this.submit(groupId, (actor) => read(actor.group));
    } catch (error) {
      return onError(this.errorCode(groupId, error));
    }
  }

  /** Runs a handler on every group in memory, each in its own mailbox (internal work: never refused). */
  async forEachGroup(handler: (group: ClassicGroup, ctx: GroupContext) => CoordinatorResult<void>): Promise<void> {
    if (this.status !== 'active') return;
    await Promise.all(
      this.groups().map((group) =>
        this.post(group.groupId, (actor) => (actor.group === group ? handler(group, this.context()) : undefined)),
      ),
    );
  }

  private context(): GroupContext {
    return { nowMs: this.deps.time.now(), config: this.deps.config, log: this.deps.log, newUuid: this.deps.newUuid };
  }

  /** Writes, applies and acts on a result, then on its continuation, and so on; the last response given. */
  private async process<R>(actor: GroupActor, first: CoordinatorResult<R>): Promise<R | undefined> {
    if (first.newGroup !== undefined) {
      if (actor.group !== undefined) throw new Error(`group ${actor.groupId} created twice`);
      actor.group = first.newGroup;
    }
    let response: R | undefined;
    let result: CoordinatorResult<R> | undefined = first;
    while (result !== undefined) {
      const error = await this.append(actor.groupId, result.records);
      if (error === ErrorCode.NONE) this.apply(actor, result.records);
      if (result.response !== undefined) response = result.response;
      this.perform(actor, result);
      result = error === ErrorCode.NONE ? result.onAppended?.() : result.onAppendFailed?.(error);
    }
    return response;
  }

  /** One store call per result (handlers keep a result to one kind of record), so a result is written whole or not at all. */
  private async append(groupId: string, records: readonly GroupRecord[]): Promise<ErrorCode> {
    const first = records[0];
    if (first === undefined) return ErrorCode.NONE;
    if (records.some((r) => r.kind !== first.kind || recordGroupId(r) !== groupId)) {
      throw new Error(`records of group ${groupId} mix kinds or groups: ${records.map((r) => r.kind).join(', ')}`);
    }
    const store = this.deps.store;
    try {
      switch (first.kind) {
        case 'GroupMetadata':
          for (const r of records) if (r.kind === 'GroupMetadata') await store.saveGroup(r.value);
          break;
        case 'GroupTombstone':
          await store.deleteGroup(groupId);
          break;
        case 'OffsetCommit':
          await store.commitOffsets(
            groupId,
            records.flatMap((r) => (r.kind === 'OffsetCommit' ? [r.value] : [])),
          );
          break;
        case 'OffsetTombstone':
          await store.deleteOffsets(
            groupId,
            records.flatMap((r) => (r.kind === 'OffsetTombstone' ? [{ topic: r.topic, partition: r.partition }] : [])),
          );
          break;
      }
      return ErrorCode.NONE;
    } catch (error) {
      this.deps.log.warn({ groupId, records: first.kind, err: error }, 'failed to persist group records');
      return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    }
  }

  private apply(actor: GroupActor, records: readonly GroupRecord[]): void {
    const nowMs = this.deps.time.now();
    for (const record of records) {
      const before = actor.group;
      actor.group = replay(before, record, nowMs, this.deps.log);
      if (before !== undefined && actor.group === undefined) {
        this.deps.log.info({ groupId: actor.groupId, generationId: before.generationId }, 'group removed');
        this.dispose(actor, before, ErrorCode.COORDINATOR_NOT_AVAILABLE);
      }
    }
  }

  /** Timers first (a cancel may stop what a completion would otherwise race), then the held answers. */
  private perform(actor: GroupActor, result: CoordinatorResult<unknown>): void {
    for (const change of result.timers) {
      actor.timers.get(change.key)?.cancel();
      actor.timers.delete(change.key);
      if (change.op !== undefined) this.schedule(actor, change.key, change.op, change.delayMs);
    }
    for (const completion of result.completions) {
      if ('join' in completion) completion.to(completion.join);
      else completion.to(completion.sync);
    }
  }

  private schedule(actor: GroupActor, key: string, op: TimerOp, delayMs: number): void {
    const timer: Timer = this.deps.time.setTimer(delayMs, () => {
      void this.post(actor.groupId, (current) => {
        // Replaced or cancelled while this expiry waited in the mailbox (Kafka's timer does the same check).
        if (current.timers.get(key) !== timer) return undefined;
        current.timers.delete(key);
        return current.group && onTimer(current.group, op, this.context());
      });
    });
    actor.timers.set(key, timer);
  }

  /** Cancels a group's timers as it leaves memory and answers the requests still waiting on it. */
  private dispose(actor: GroupActor, group: ClassicGroup, error: ErrorCode): void {
    for (const timer of actor.timers.values()) timer.cancel();
    actor.timers.clear();
    this.perform(actor, answerWaiting(group, error));
  }

  private scheduleSweep(): void {
    const sweep = this.sweep;
    if (sweep === undefined) return;
    this.sweepTimer = this.deps.time.setTimer(this.deps.config.offsetsRetentionCheckIntervalMs, () => {
      this.sweepTimer = undefined;
      void this.forEachGroup(sweep).finally(() => {
        if (this.status === 'active' && this.sweepTimer === undefined) this.scheduleSweep();
      });
    });
  }

  private actorFor(groupId: string): GroupActor {
    let actor = this.actors.get(groupId);
    if (actor === undefined) {
      actor = new GroupActor(groupId, this.deps.config.maxQueuedOperationsPerGroup);
      this.actors.set(groupId, actor);
    }
    return actor;
  }

  /** Runs `op` in the group's mailbox; drops the actor afterwards when it holds no group and nothing is queued. */
  private submit<T>(groupId: string, op: (actor: GroupActor) => T | Promise<T>, internal = false): Promise<T> {
    const actor = this.actorFor(groupId);
    return actor.mailbox.run(async () => {
      try {
        return await op(actor);
      } finally {
        if (actor.group === undefined && actor.mailbox.size <= 1 && this.actors.get(groupId) === actor) this.actors.delete(groupId);
      }
    }, internal);
  }

  /** Queues timer or sweep work; dropped if the coordinator stopped. */
  private post(groupId: string, op: (actor: GroupActor) => CoordinatorResult<void> | undefined): Promise<void> {
    if (this.status !== 'active') return Promise.resolve();
    return this.submit(
      groupId,
      async (actor) => {
        if (this.status !== 'active') return;
        const result = op(actor);
        if (result !== undefined) await this.process(actor, result);
      },
      true,
    ).catch((error: unknown) => {
      this.deps.log.error({ groupId, err: error }, 'group timer operation failed');
    });
  }

  private errorCode(groupId: string, error: unknown): ErrorCode {
    if (error instanceof MailboxFullError) {
      this.deps.log.warn({ groupId, limit: error.limit }, 'group mailbox full: rejecting request');
      return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    }
    this.deps.log.error({ groupId, err: error }, 'group operation failed');
    return ErrorCode.UNKNOWN_SERVER_ERROR;
  }
}
