export { CLASSIC_GROUP_TYPE, GROUP_AUTHORIZED_OPERATIONS_ALL } from './admin.js';
export { GroupCoordinator, type GroupClientInfo, type GroupCoordinatorDeps } from './group-coordinator.js';
export { type GroupLogger } from './result.js';
export { type ClassicGroupState } from './classic-group.js';
export { DEFAULT_GROUP_CONFIG, groupConfigFrom, resolveGroupConfig, type GroupConfig, type GroupSettingsSource } from './config.js';
export { CONSUMER_PROTOCOL_TYPE, subscriptionTopics } from './consumer-protocol.js';
export { Mailbox, MailboxFullError } from './mailbox.js';
export { type GroupStore, type PersistedGroup, type PersistedMember, type PersistedOffset, type TopicPartitionRef } from './store.js';
export { clampDelay, MAX_TIMER_DELAY_MS, systemTime, type GroupTime, type Timer } from './time.js';
