import { readFileSync } from 'node:fs';
import { DEFAULT_MAX_OPEN_FILES } from '@strom/storage';

/**
 * How many segment files the log directory may keep open at once. Kafka keeps every segment
 * open and asks for a high open-file limit; Strom's file-handle pool closes the least recently
 * used ones beyond its bound, and a bound below the partitions in use reopens a file on nearly
 * every append (a thousand partitions written round-robin through 1,024 handles). So the bound
 * follows the process's own limit (Node raises the soft limit to the hard one at start): half of
 * it, the other half left to connections and everything else; never below the storage default.
 */
export function segmentFileBudget(limits: string | null = processLimits()): number {
  const soft = limits === null ? undefined : openFilesSoftLimit(limits);
  return soft === undefined ? DEFAULT_MAX_OPEN_FILES : Math.max(DEFAULT_MAX_OPEN_FILES, Math.floor(soft / 2));
}

/** The soft limit of a /proc/<pid>/limits text's "Max open files" line; undefined if absent or unlimited. */
export function openFilesSoftLimit(limits: string): number | undefined {
  const match = /^Max open files\s+(\d+|unlimited)\s/m.exec(limits);
  if (!match || match[1] === 'unlimited') return undefined;
  return Number(match[1]);
}

/** /proc/self/limits, on Linux; null elsewhere. */
function processLimits(): string | null {
  try {
    return readFileSync('/proc/self/limits', 'utf8');
  } catch {
    return null;
  }
}
