import type { ErrorCode } from '@strom/errors';
import { EMPTY_BYTES } from '@strom/protocol';
import { CONSUMER_PROTOCOL_TYPE, subscriptionTopics } from './consumer-protocol.js';

/** Kafka's classic group states, spelled as ListGroups and DescribeGroups report them. */
export type ClassicGroupState = 'Empty' | 'PreparingRebalance' | 'CompletingRebalance' | 'Stable' | 'Dead';

const VALID_PREVIOUS_STATES: Record<ClassicGroupState, readonly ClassicGroupState[]> = {
  Dead: ['Stable', 'PreparingRebalance', 'CompletingRebalance', 'Empty', 'Dead'],
  CompletingRebalance: ['PreparingRebalance'],
  Stable: ['CompletingRebalance'],
  PreparingRebalance: ['Stable', 'CompletingRebalance', 'Empty'],
  Empty: ['PreparingRebalance'],
};

/** What a JoinGroup is answered with (before it is shaped for the request's version). */
export interface JoinResult {
  error: ErrorCode;
  memberId: string;
  generationId: number;
  protocolType: string | null;
  protocolName: string | null;
  leaderId: string;
  skipAssignment: boolean;
  /** Every member's metadata for the leader; empty for the others. */
  members: { memberId: string; groupInstanceId: string | null; metadata: Buffer }[];
}

/** What a SyncGroup is answered with. */
export interface SyncResult {
  error: ErrorCode;
  protocolType: string | null;
  protocolName: string | null;
  assignment: Buffer;
}

export type JoinCallback = (result: JoinResult) => void;
export type SyncCallback = (result: SyncResult) => void;

export function joinError(memberId: string, error: ErrorCode): JoinResult {
  return { error, memberId, generationId: -1, protocolType: null, protocolName: null, leaderId: '', skipAssignment: false, members: [] };
}

export function syncError(error: ErrorCode): SyncResult {
  return { error, protocolType: null, protocolName: null, assignment: EMPTY_BYTES };
}

export interface MemberProtocol {
  name: string;
  metadata: Buffer;
}

/** One member of a classic group (Kafka's MemberMetadata). */
export class ClassicMember {
  /** The pending JoinGroup's answer, while the member awaits the rebalance. */
  awaitingJoin: JoinCallback | undefined;
  /** The pending SyncGroup's answer, while the member awaits the leader's assignment. */
  awaitingSync: SyncCallback | undefined;
  assignment: Buffer = EMPTY_BYTES;
  /** Joined during the current rebalance and not yet part of a generation. */
  isNew = false;

  constructor(
    public memberId: string,
    readonly groupInstanceId: string | null,
    public clientId: string,
    public clientHost: string,
    public rebalanceTimeoutMs: number,
    public sessionTimeoutMs: number,
    readonly protocolType: string,
    /** In the member's order of preference. */
    public protocols: MemberProtocol[],
  ) {}

  get isAwaitingJoin(): boolean {
    return this.awaitingJoin !== undefined;
  }

  get isAwaitingSync(): boolean {
    return this.awaitingSync !== undefined;
  }

  get isStatic(): boolean {
    return this.groupInstanceId !== null;
  }

  /** The member's metadata for `protocolName` (empty if it does not support it). */
  metadata(protocolName: string | null): Buffer {
    return this.protocols.find((p) => p.name === protocolName)?.metadata ?? EMPTY_BYTES;
  }

  /** Whether `protocols` is exactly what the member sent last time (names, order and metadata). */
  matches(protocols: readonly MemberProtocol[]): boolean {
    return (
      protocols.length === this.protocols.length &&
      protocols.every((p, i) => {
        const mine = this.protocols[i];
        return mine !== undefined && p.name === mine.name && p.metadata.equals(mine.metadata);
      })
    );
  }

  /** The member's most preferred protocol among `candidates`. */
  vote(candidates: ReadonlySet<string>): string {
    const choice = this.protocols.find((p) => candidates.has(p.name));
    if (!choice) throw new Error(`member ${this.memberId} supports none of the candidate protocols`);
    return choice.name;
  }
}

export interface CommittedOffset {
  offset: bigint;
  leaderEpoch: number;
  metadata: string;
  commitTimestampMs: number;
  expireTimestampMs: number | null;
}

/**
 * The delayed join in progress (Kafka's DelayedJoin / InitialDelayedJoin in the join purgatory);
 * its timer is the runtime's, under the key `join`.
 */
export type JoinOperation = { kind: 'initial'; delayMs: number; remainingMs: number } | { kind: 'rebalance' };

/** A classic group's state (Kafka's GroupMetadata), owned by one actor. */
export class ClassicGroup {
  state: ClassicGroupState;
  generationId = 0;
  /** Set by the first member to join; null for a group that only stores offsets. */
  protocolType: string | null = null;
  protocolName: string | null = null;
  leaderId: string | null = null;
  currentStateTimestampMs: number | null;
  /** In join order. */
  readonly members = new Map<string, ClassicMember>();
  /** group.instance.id → member id. */
  readonly staticMembers = new Map<string, string>();
  /** Member ids handed out with MEMBER_ID_REQUIRED and not yet used (each with an expiry timer in the runtime). */
  readonly pendingMembers = new Set<string>();
  /** Members of the current generation that have not sent SyncGroup yet. */
  readonly pendingSyncMembers = new Set<string>();
  private readonly supportedProtocols = new Map<string, number>();
  numMembersAwaitingJoin = 0;
  /** A member joined during the initial rebalance delay (extends the delay). */
  newMemberAdded = false;
  /** The topics the members of the current generation subscribe to; null when unknown. */
  subscribedTopics: ReadonlySet<string> | null = null;
  /** topic → partition → offset. */
  readonly offsets = new Map<string, Map<number, CommittedOffset>>();
  joinOperation: JoinOperation | undefined;

  constructor(
    readonly groupId: string,
    state: ClassicGroupState,
    nowMs: number | null,
  ) {
    this.state = state;
    this.currentStateTimestampMs = nowMs;
  }

  is(state: ClassicGroupState): boolean {
    return this.state === state;
  }

  transitionTo(target: ClassicGroupState, nowMs: number): void {
    if (!VALID_PREVIOUS_STATES[target].includes(this.state)) {
      throw new Error(
        `group ${this.groupId} should be in ${VALID_PREVIOUS_STATES[target].join('/')} before moving to ${target}, is ${this.state}`,
      );
    }
    this.state = target;
    this.currentStateTimestampMs = nowMs;
  }

  get size(): number {
    return this.members.size;
  }

  isLeader(memberId: string): boolean {
    return this.leaderId === memberId;
  }

  /** The largest rebalance timeout of the members (how long a rebalance waits). */
  get rebalanceTimeoutMs(): number {
    let max = 0;
    for (const member of this.members.values()) max = Math.max(max, member.rebalanceTimeoutMs);
    return max;
  }

  get hasAllMembersJoined(): boolean {
    return this.members.size === this.numMembersAwaitingJoin && this.pendingMembers.size === 0;
  }

  get hasOffsets(): boolean {
    return this.offsets.size > 0;
  }

  add(member: ClassicMember, callback: JoinCallback | undefined): void {
    if (this.members.size === 0) this.protocolType = member.protocolType;
    if (this.leaderId === null) this.leaderId = member.memberId;
    this.members.set(member.memberId, member);
    if (member.groupInstanceId !== null) this.staticMembers.set(member.groupInstanceId, member.memberId);
    for (const p of member.protocols) this.supportedProtocols.set(p.name, (this.supportedProtocols.get(p.name) ?? 0) + 1);
    member.awaitingJoin = callback;
    if (member.isAwaitingJoin) this.numMembersAwaitingJoin++;
    this.removePendingMember(member.memberId);
  }

  /** Removes a member from every index; the caller answers its pending requests and cancels its timers. */
  remove(memberId: string): ClassicMember | undefined {
    const member = this.members.get(memberId);
    if (member) {
      this.members.delete(memberId);
      for (const p of member.protocols) this.decrementProtocol(p.name);
      if (member.isAwaitingJoin) this.numMembersAwaitingJoin--;
      if (member.groupInstanceId !== null && this.staticMembers.get(member.groupInstanceId) === memberId) {
        this.staticMembers.delete(member.groupInstanceId);
      }
    }
    if (this.isLeader(memberId)) this.leaderId = this.members.keys().next().value ?? null;
    this.removePendingMember(memberId);
    this.pendingSyncMembers.delete(memberId);
    return member;
  }

  private decrementProtocol(name: string): void {
    const count = (this.supportedProtocols.get(name) ?? 0) - 1;
    if (count > 0) this.supportedProtocols.set(name, count);
    else this.supportedProtocols.delete(name);
  }

  addPendingMember(memberId: string): void {
    this.pendingMembers.add(memberId);
  }

  removePendingMember(memberId: string): boolean {
    return this.pendingMembers.delete(memberId);
  }

  /** Replaces the member's protocols (and timeouts) and sets (or clears) its pending JoinGroup. */
  updateMember(
    member: ClassicMember,
    protocols: MemberProtocol[],
    rebalanceTimeoutMs: number,
    sessionTimeoutMs: number,
    callback: JoinCallback | undefined,
  ): void {
    for (const p of member.protocols) this.decrementProtocol(p.name);
    for (const p of protocols) this.supportedProtocols.set(p.name, (this.supportedProtocols.get(p.name) ?? 0) + 1);
    member.protocols = protocols;
    member.rebalanceTimeoutMs = rebalanceTimeoutMs;
    member.sessionTimeoutMs = sessionTimeoutMs;
    if (callback !== undefined && !member.isAwaitingJoin) this.numMembersAwaitingJoin++;
    else if (callback === undefined && member.isAwaitingJoin) this.numMembersAwaitingJoin--;
    member.awaitingJoin = callback;
  }

  /** The member's pending JoinGroup, taken off the member (the caller answers it). */
  takeJoinCallback(member: ClassicMember): JoinCallback | undefined {
    const callback = member.awaitingJoin;
    if (callback === undefined) return undefined;
    member.awaitingJoin = undefined;
    this.numMembersAwaitingJoin--;
    return callback;
  }

  /** The member's pending SyncGroup, taken off the member (the caller answers it). */
  takeSyncCallback(member: ClassicMember): SyncCallback | undefined {
    const callback = member.awaitingSync;
    member.awaitingSync = undefined;
    return callback;
  }

  /**
   * Moves a static member to a new member id (a restarted static consumer), keeping its
   * assignment. The caller has answered the old id's pending requests.
   */
  replaceStaticMember(groupInstanceId: string, oldMemberId: string, newMemberId: string): ClassicMember {
    const member = this.members.get(oldMemberId);
    if (!member) throw new Error(`cannot replace non-existing member ${oldMemberId} of group ${this.groupId}`);
    if (member.isAwaitingJoin || member.isAwaitingSync) throw new Error(`member ${oldMemberId} still has requests waiting`);
    this.members.delete(oldMemberId);
    member.memberId = newMemberId;
    this.members.set(newMemberId, member);
    if (this.isLeader(oldMemberId)) this.leaderId = newMemberId;
    if (this.pendingSyncMembers.delete(oldMemberId)) this.pendingSyncMembers.add(newMemberId);
    this.staticMembers.set(groupInstanceId, newMemberId);
    return member;
  }

  /** The protocol every member supports and most members prefer. */
  selectProtocol(): string {
    if (this.members.size === 0) throw new Error(`cannot select a protocol for empty group ${this.groupId}`);
    const candidates = this.candidateProtocols();
    const votes = new Map<string, number>();
    for (const member of this.members.values()) {
      const choice = member.vote(candidates);
      votes.set(choice, (votes.get(choice) ?? 0) + 1);
    }
    let best: string | undefined;
    let bestVotes = -1;
    // Ties go to the protocol that got its first vote earliest (the earliest joined member's choice).
    for (const [protocol, count] of votes) {
      if (count > bestVotes) {
        best = protocol;
        bestVotes = count;
      }
    }
    if (best === undefined) throw new Error(`no protocol selected for group ${this.groupId}`);
    return best;
  }

  candidateProtocols(): Set<string> {
    const all = new Set<string>();
    for (const [protocol, count] of this.supportedProtocols) if (count === this.members.size) all.add(protocol);
    return all;
  }

  /** Whether a member with these protocols may join (Kafka's `supportsProtocols`). */
  supportsProtocols(memberProtocolType: string, memberProtocols: readonly MemberProtocol[]): boolean {
    if (this.is('Empty')) return memberProtocolType !== '' && memberProtocols.length > 0;
    return (
      this.protocolType === memberProtocolType && memberProtocols.some((p) => this.supportedProtocols.get(p.name) === this.members.size)
    );
  }

  /** Starts the next generation once a rebalance's joins are complete. */
  initNextGeneration(nowMs: number): void {
    this.generationId++;
    if (this.members.size > 0) {
      this.protocolName = this.selectProtocol();
      this.subscribedTopics = this.computeSubscribedTopics();
      this.transitionTo('CompletingRebalance', nowMs);
    } else {
      this.protocolName = null;
      this.subscribedTopics = this.computeSubscribedTopics();
      this.transitionTo('Empty', nowMs);
    }
    this.pendingSyncMembers.clear();
  }

  /** The union of the members' subscriptions for a "consumer" group; null when unknown. */
  computeSubscribedTopics(): ReadonlySet<string> | null {
    if (this.protocolType !== CONSUMER_PROTOCOL_TYPE || this.protocolName === null || this.members.size === 0) return null;
    const topics = new Set<string>();
    for (const member of this.members.values()) {
      const subscribed = subscriptionTopics(member.metadata(this.protocolName));
      if (subscribed === undefined) return null;
      for (const topic of subscribed) topics.add(topic);
    }
    return topics;
  }

  isSubscribedToTopic(topic: string): boolean {
    return this.subscribedTopics?.has(topic) ?? false;
  }

  /** Every member's metadata for the selected protocol (what the leader assigns from). */
  currentMemberMetadata(): JoinResult['members'] {
    return [...this.members.values()].map((m) => ({
      memberId: m.memberId,
      groupInstanceId: m.groupInstanceId,
      metadata: m.metadata(this.protocolName),
    }));
  }

  /** Members that have not rejoined in the current rebalance. */
  notYetRejoinedMembers(): ClassicMember[] {
    return [...this.members.values()].filter((m) => !m.isAwaitingJoin);
  }

  /** Keeps the leader if it rejoined, else picks a member that did; false if none did. */
  maybeElectNewJoinedLeader(): boolean {
    if (this.leaderId === null) return false;
    const leader = this.members.get(this.leaderId);
    if (leader?.isAwaitingJoin) return true;
    for (const member of this.members.values()) {
      if (member.isAwaitingJoin) {
        this.leaderId = member.memberId;
        return true;
      }
    }
    return false;
  }

  offset(topic: string, partition: number): CommittedOffset | undefined {
    return this.offsets.get(topic)?.get(partition);
  }

  setOffset(topic: string, partition: number, offset: CommittedOffset): void {
    let partitions = this.offsets.get(topic);
    if (!partitions) {
      partitions = new Map();
      this.offsets.set(topic, partitions);
    }
    partitions.set(partition, offset);
  }

  removeOffset(topic: string, partition: number): boolean {
    const partitions = this.offsets.get(topic);
    if (!partitions?.delete(partition)) return false;
    if (partitions.size === 0) this.offsets.delete(topic);
    return true;
  }

  /**
   * The offsets that have outlived the retention (Kafka's `removeExpiredOffsets`): in an Empty
   * group, counted from when it became Empty; in a Stable consumer group, for topics no member
   * subscribes to, counted from their commit; in a group without a protocol type, from their
   * commit. Commits that asked for an explicit expiry use it instead.
   */
  expiredOffsets(nowMs: number, retentionMs: number): { topic: string; partition: number }[] {
    let base: ((o: CommittedOffset) => number) | undefined;
    let subscribed: ReadonlySet<string> = new Set();
    if (this.protocolType !== null && this.is('Empty')) {
      const since = this.currentStateTimestampMs;
      base = (o) => since ?? o.commitTimestampMs;
    } else if (this.protocolType === CONSUMER_PROTOCOL_TYPE && this.subscribedTopics !== null && this.is('Stable')) {
      base = (o) => o.commitTimestampMs;
      subscribed = this.subscribedTopics;
    } else if (this.protocolType === null) {
      base = (o) => o.commitTimestampMs;
    }
    if (base === undefined) return [];
    const expired: { topic: string; partition: number }[] = [];
    for (const [topic, partitions] of this.offsets) {
      if (subscribed.has(topic)) continue;
      for (const [partition, o] of partitions) {
        const isExpired = o.expireTimestampMs === null ? nowMs - base(o) >= retentionMs : nowMs >= o.expireTimestampMs;
        if (isExpired) expired.push({ topic, partition });
      }
    }
    return expired;
  }
}
