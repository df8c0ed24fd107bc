import type { FetchRequest } from '@strom/protocol';

/** The session id of "no session" (Kafka's `FetchMetadata.INVALID_SESSION_ID`). */
export const INVALID_SESSION_ID = 0;

/** The epoch a client sends to create a new session (Kafka's `FetchMetadata.INITIAL_EPOCH`). */
export const INITIAL_EPOCH = 0;

/** The epoch a client sends to close its session, or for a sessionless fetch (Kafka's `FetchMetadata.FINAL_EPOCH`). */
export const FINAL_EPOCH = -1;

/** The first Fetch version that carries session id and epoch (KIP-227). Older requests are sessionless. */
export const FETCH_SESSION_MIN_VERSION = 7;

/** The first Fetch version that names topics by id instead of by name (KIP-516). */
export const FETCH_TOPIC_ID_MIN_VERSION = 13;

const INT32_MAX = 2147483647;

/** The session id and epoch of a Fetch request (Kafka's `FetchMetadata`). */
export interface FetchMetadata {
  readonly sessionId: number;
  readonly epoch: number;
}

/**
 * The epoch that follows `prevEpoch` (Kafka's `FetchMetadata.nextEpoch`): FINAL_EPOCH (or any
 * negative epoch) is followed by FINAL_EPOCH, INT32_MAX wraps to 1 (never back to INITIAL_EPOCH).
 */
export function nextEpoch(prevEpoch: number): number {
  if (prevEpoch < 0) return FINAL_EPOCH;
  if (prevEpoch >= INT32_MAX) return 1;
  return prevEpoch + 1;
}

/**
 * The request's session metadata. Requests below v7 have no session fields and are Kafka's
 * `FetchMetadata.LEGACY` (session 0, epoch FINAL_EPOCH): a sessionless full fetch.
 */
export function fetchMetadata(request: FetchRequest, apiVersion: number): FetchMetadata {
  if (apiVersion < FETCH_SESSION_MIN_VERSION) return { sessionId: INVALID_SESSION_ID, epoch: FINAL_EPOCH };
  return { sessionId: request.sessionId, epoch: request.sessionEpoch };
}

/** Whether the request is a full fetch (Kafka's `FetchMetadata.isFull`): epoch INITIAL_EPOCH or FINAL_EPOCH. */
export function isFullFetch(metadata: FetchMetadata): boolean {
  return metadata.epoch === INITIAL_EPOCH || metadata.epoch === FINAL_EPOCH;
}

/**
 * Whether the request comes from a follower replica (Kafka's `FetchRequest.isFromFollower`): its
 * replica id (the v0-14 field, else the v15+ ReplicaState) is a valid broker id. Follower sessions
 * are privileged in the session cache.
 */
export function isFromFollower(request: FetchRequest): boolean {
  const replicaId = request.replicaId !== -1 ? request.replicaId : request.replicaState.replicaId;
  return replicaId >= 0;
}
