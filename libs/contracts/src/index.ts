export * from './metadata.js';
export { collisionKey, MAX_TOPIC_NAME_LENGTH, topicNameProblem } from './topic-names.js';
export * from './coordinator.js';
export * from './retention.js';
export * from './broker-traffic.js';
export { splitRepeated, type Repeats } from './repeated.js';
