/**
 * Incremental fetch sessions (KIP-227), as Kafka's kafka.server.FetchSession.scala: the Fetch
 * handler asks the cache for a context, reads the context's partitions, and lets the context build
 * the response.
 */
export {
  FETCH_SESSION_MIN_VERSION,
  FETCH_TOPIC_ID_MIN_VERSION,
  FINAL_EPOCH,
  INITIAL_EPOCH,
  INVALID_SESSION_ID,
  fetchMetadata,
  isFromFollower,
  isFullFetch,
  nextEpoch,
  type FetchMetadata,
} from './fetch-metadata.js';
export { fetchErrorPartitionData, type FetchPartitionKey, type FetchPartitionResult, type FetchSessionPartition } from './fetch-session.js';
export { fetchResponse, type FetchContext, type FetchContextKind } from './fetch-context.js';
export {
  DEFAULT_FETCH_SESSION_EVICTION_MS,
  DEFAULT_MAX_FETCH_SESSIONS,
  DEFAULT_MAX_PARTITIONS_PER_SESSION,
  FetchSessionCache,
  type FetchSessionCacheOptions,
  type FetchSessionInfo,
} from './fetch-session-cache.js';
