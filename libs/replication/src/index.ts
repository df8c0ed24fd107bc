// @strom/replication: Kafka's partition replication as pure state machines (reference: Apache Kafka 4.x
// Partition, Replica, AbstractFetcherThread and ReplicationControlManager).
export * from './types.js';
export { ReplicationInvariantError } from './invariant.js';
export {
  PartitionLeader,
  isCaughtUp,
  type AlterPartitionAnswer,
  type FollowerFetch,
  type FollowerFetchOutcome,
  type FollowerState,
  type IsrState,
  type LeaderConfig,
  type ReplicaEligibility,
} from './leader.js';
export { checkFetchPosition, followerHighWatermark, truncationPoint, type FetchPositionCheck, type TruncationPoint } from './follower.js';
export {
  alterPartition,
  changePartition,
  isActiveBroker,
  type AlterPartitionResult,
  type BrokerLookup,
  type ElectionOptions,
} from './controller.js';
