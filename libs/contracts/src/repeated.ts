/**
 * A request's entries split by a key given more than once. Kafka answers a topic or resource named
 * more than once in one admin request (CreateTopics, CreatePartitions, DeleteTopics, AlterConfigs)
 * once with INVALID_REQUEST and acts on none of its entries; the others go ahead.
 */
export interface Repeats<T, K> {
  /** The entries whose key appears once (or is null: not a key), in request order. */
  unique: T[];
  /** The keys that appear more than once, each once, in order of first appearance. */
  repeated: K[];
  isRepeated(key: K | null): boolean;
}

/** Splits `items` into those whose `key` appears once and the keys repeated; a null key never repeats. */
export function splitRepeated<T, K>(items: readonly T[], key: (item: T) => K | null): Repeats<T, K> {
  const counts = new Map<K, number>();
  for (const item of items) {
    const k = key(item);
    if (k !== null) counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  const isRepeated = (k: K | null) => k !== null && (counts.get(k) ?? 0) > 1;
  return {
    unique: items.filter((item) => !isRepeated(key(item))),
    repeated: [...counts].filter(([, count]) => count > 1).map(([k]) => k),
    isRepeated,
  };
}
