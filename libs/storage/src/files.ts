import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { FileIo } from './file-io.js';
import type { EpochEntry } from './leader-epoch-cache.js';
import { invariant } from './errors.js';

/** Kafka's file names (LogFileUtils): 20-digit zero-padded base offset + suffix. */
export const LOG_SUFFIX = '.log';
export const INDEX_SUFFIX = '.index';
export const TIME_INDEX_SUFFIX = '.timeindex';
export const SNAPSHOT_SUFFIX = '.snapshot';
export const CLEANED_SUFFIX = '.cleaned';
export const SWAP_SUFFIX = '.swap';
export const DELETED_SUFFIX = '.deleted';
export const LEADER_EPOCH_CHECKPOINT = 'leader-epoch-checkpoint';
export const PARTITION_METADATA = 'partition.metadata';
export const RECOVERY_POINT_CHECKPOINT = 'recovery-point-offset-checkpoint';
export const LOG_START_OFFSET_CHECKPOINT = 'log-start-offset-checkpoint';
export const REPLICATION_OFFSET_CHECKPOINT = 'replication-offset-checkpoint';
export const CLEAN_SHUTDOWN_MARKER = '.kafka_cleanshutdown';

export const offsetFileName = (offset: number, suffix: string): string => String(offset).padStart(20, '0') + suffix;

export function parseOffsetFileName(name: string): { offset: number; suffix: string } | null {
  const match = /^(\d{20})(\..+)$/.exec(name);
  return match ? { offset: Number(match[1]), suffix: match[2]! } : null;
}

/** `<topic>-<partition>` (Kafka topic names cannot contain '/', and may contain '-'). */
export function partitionDirName(topic: string, partition: number): string {
  invariant(/^[a-zA-Z0-9._-]{1,249}$/.test(topic), `invalid topic name ${topic}`);
  invariant(Number.isInteger(partition) && partition >= 0, `invalid partition ${partition}`);
  return `${topic}-${partition}`;
}

export function parsePartitionDirName(name: string): { topic: string; partition: number } | null {
  const match = /^(.+)-(\d+)$/.exec(name);
  return match ? { topic: match[1]!, partition: Number(match[2]) } : null;
}

let tmpCounter = 0;

/**
 * Write to a temp file, fsync, rename over the target, fsync the directory. Without `durable`
 * only the rename is atomic: after a power loss the target may be the old file, or empty. With
 * `syncDirectory` false the caller fsyncs the directory itself, once for several files.
 */
export async function writeFileAtomic(
  io: FileIo,
  path: string,
  data: Buffer | string,
  durable = true,
  syncDirectory = durable,
): Promise<void> {
  const tmp = `${path}.${process.pid}-${(tmpCounter++).toString(36)}.tmp`;
  const file = await io.open(tmp, 'w');
  try {
    try {
      await file.write(typeof data === 'string' ? Buffer.from(data) : data, 0);
      if (durable) await file.sync();
    } finally {
      await file.close();
    }
    await io.rename(tmp, path);
  } catch (error) {
    // A full disk must not fill up further with the leftovers of every failed attempt.
    await unlinkIfExists(io, tmp).catch(() => undefined);
    throw error;
  }
  if (syncDirectory) await io.syncDirectory(dirname(path));
}

/** mkdir -p that survives a power loss: the parent of each directory it created is fsynced. */
export async function makeDirectoryDurable(io: FileIo, path: string): Promise<void> {
  const created = await io.mkdir(path);
  if (created === undefined) return;
  const first = resolve(created);
  for (let dir = resolve(path); dirname(dir) !== dir; dir = dirname(dir)) {
    await io.syncDirectory(dirname(dir));
    if (dir === first) return;
  }
}

/** Creates (or empties) a file, leaving its directory entry to the next directory fsync. */
export async function createEmptyFile(io: FileIo, path: string): Promise<void> {
  const file = await io.open(path, 'w');
  await file.close();
}

/** fsync of a file that may be gone (deleted meanwhile): nothing then. */
export async function syncFileIfExists(io: FileIo, path: string): Promise<void> {
  let file;
  try {
    file = await io.open(path, 'r+');
  } catch (error) {
    if (isNotFound(error)) return;
    throw error;
  }
  try {
    await file.sync();
  } finally {
    await file.close();
  }
}

export async function readFileIfExists(path: string): Promise<Buffer | null> {
  try {
    return await readFile(path);
  } catch (error) {
    if (isNotFound(error)) return null;
    throw error;
  }
}

export async function unlinkIfExists(io: FileIo, path: string): Promise<void> {
  try {
    await io.unlink(path);
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
}

export async function renameIfExists(io: FileIo, from: string, to: string): Promise<void> {
  try {
    await io.rename(from, to);
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
}

export const isNotFound = (error: unknown): boolean => (error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';

// ---- Kafka's text checkpoint files (CheckpointFile): version line, count line, entries ----

const CHECKPOINT_VERSION = '0';

function parseCheckpoint(text: string, fields: number, what: string): string[][] {
  const lines = text.split('\n').filter((line) => line.length > 0);
  invariant(lines[0] === CHECKPOINT_VERSION, `${what}: unsupported version ${lines[0]}`);
  const count = Number(lines[1]);
  invariant(Number.isInteger(count) && count === lines.length - 2, `${what}: count ${lines[1]} does not match ${lines.length - 2} entries`);
  return lines.slice(2).map((line) => {
    const parts = line.split(' ');
    invariant(parts.length === fields, `${what}: malformed line "${line}"`);
    return parts;
  });
}

function formatCheckpoint(lines: string[]): string {
  return `${CHECKPOINT_VERSION}\n${lines.length}\n${lines.map((line) => `${line}\n`).join('')}`;
}

export const formatLeaderEpochCheckpoint = (entries: readonly EpochEntry[]): string =>
  formatCheckpoint(entries.map((e) => `${e.epoch} ${e.startOffset}`));

export const parseLeaderEpochCheckpoint = (text: string): EpochEntry[] =>
  parseCheckpoint(text, 2, LEADER_EPOCH_CHECKPOINT).map(([epoch, offset]) => ({ epoch: Number(epoch), startOffset: Number(offset) }));

export interface PartitionOffset {
  topic: string;
  partition: number;
  offset: number;
}

export const formatOffsetCheckpoint = (entries: readonly PartitionOffset[]): string =>
  formatCheckpoint(entries.map((e) => `${e.topic} ${e.partition} ${e.offset}`));

export const parseOffsetCheckpoint = (text: string, what = 'offset checkpoint'): PartitionOffset[] =>
  parseCheckpoint(text, 3, what).map(([topic, partition, offset]) => ({
    topic: topic!,
    partition: Number(partition),
    offset: Number(offset),
  }));

/**
 * partition.metadata (Kafka PartitionMetadataFile): `version: 0` and `topic_id: <base64>`, byte for
 * byte as Kafka 4.4 writes it: a newline between the two lines and none after the second.
 */
export const formatPartitionMetadata = (kafkaTopicId: string): string => `version: 0\ntopic_id: ${kafkaTopicId}`;

/** Kafka's Uuid.toString: URL-safe base64 of the 16 bytes, no padding. */
export function topicIdToKafkaString(uuid: string): string {
  const hex = uuid.replaceAll('-', '');
  invariant(/^[0-9a-f]{32}$/i.test(hex), `invalid topic id ${uuid}`);
  return Buffer.from(hex, 'hex').toString('base64url');
}

export function parsePartitionMetadata(text: string): string {
  const match = /^version: 0\ntopic_id: (\S+)\n?$/.exec(text);
  invariant(match !== null, `${PARTITION_METADATA}: malformed`);
  return match[1]!;
}
