/** Kafka's topic name rules (org.apache.kafka.common.internals.Topic). */

export const MAX_TOPIC_NAME_LENGTH = 249;
const legalChars = /^[a-zA-Z0-9._-]+$/;

/**
 * Why a topic name is illegal, in Kafka's words (Topic.validate, as Kafka 4.4 answers CreateTopics),
 * or undefined when it is fine.
 */
export function topicNameProblem(name: string): string | undefined {
  const reason = invalidTopicNameReason(name);
  return reason === undefined ? undefined : `Topic name is invalid: ${reason}`;
}

function invalidTopicNameReason(name: string): string | undefined {
  if (name.length === 0) return 'the empty string is not allowed';
  if (name === '.' || name === '..') return `'${name}' is not allowed`;
  if (name.length > MAX_TOPIC_NAME_LENGTH) return `the length of '${name}' is longer than the max allowed length ${MAX_TOPIC_NAME_LENGTH}`;
  if (!legalChars.test(name)) return `'${name}' contains one or more characters other than ASCII alphanumerics, '.', '_' and '-'`;
  return undefined;
}

/** Kafka refuses topics whose names differ only by '.' vs '_' (their metric names collide). */
export function collisionKey(name: string): string {
  return name.replaceAll('.', '_');
}
