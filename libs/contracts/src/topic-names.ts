/** Kafka's topic name rules (org.apache.kafka.common.internals.Topic). */

export const MAX_TOPIC_NAME_LENGTH = 249;
const legalChars = /^[a-zA-Z0-9._-]+$/;

/** Why a topic name is illegal, in Kafka's words, or undefined when it is fine. */
export function topicNameProblem(name: string): string | undefined {
  if (name.length === 0) return "Topic name is illegal, it can't be empty";
  if (name === '.' || name === '..') return 'Topic name cannot be "." or ".."';
  if (name.length > MAX_TOPIC_NAME_LENGTH) {
    return `Topic name is illegal, it can't be longer than ${MAX_TOPIC_NAME_LENGTH} characters, topic name: ${name}`;
  }
  if (!legalChars.test(name)) {
    return `Topic name "${name}" is illegal, it contains a character other than ASCII alphanumerics, '.', '_' and '-'`;
  }
  return undefined;
}

/** Kafka refuses topics whose names differ only by '.' vs '_' (their metric names collide). */
export function collisionKey(name: string): string {
  return name.replaceAll('.', '_');
}
