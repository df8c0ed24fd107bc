import { describe, expect, it } from 'vitest';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { formatLeaderEpochCheckpoint, LEADER_EPOCH_CHECKPOINT } from '../src/files.js';
import { LogDirectory } from '../src/log-directory.js';
import { tempDir, testBatch } from './helpers.js';

const LEADER = { leaderEpoch: 0 };
const TOPIC_A = '0b8e7c1e-4a51-4a39-8e0c-3a0f3c7a1d01';
const TOPIC_B = '7f3c2d1b-9e8a-4b6c-a5d4-e3f2a1b0c9d8';

/**
 * A LogDirectory abandoned without close() is what kill -9 leaves: no clean-shutdown marker, no
 * final checkpoint, file handles dropped with the process. The next open must see what was
 * acknowledged before it.
 */
describe('LogDirectory after a crash', () => {
  it('keeps the log start offset DeleteRecords acknowledged, though no checkpoint ran since', async () => {
    await using dir = await tempDir();
    const before = await LogDirectory.open({ path: dir.path });
    const log = await before.openLog('t', 0, { topicId: TOPIC_A });
    for (let i = 0; i < 10; i++) await log.append([testBatch({ records: 1 })], LEADER);
    log.setHighWatermark(log.logEndOffset);
    expect(await log.deleteRecordsBefore(7)).toBe(7);
    await before.files.closeAll(); // the process is gone, and its descriptors with it

    const after = await LogDirectory.open({ path: dir.path });
    expect(after.cleanShutdown).toBe(false);
    const reopened = await after.openLog('t', 0, { topicId: TOPIC_A });
    expect(reopened.logStartOffset).toBe(7);
    expect(reopened.logEndOffset).toBe(10);
    const read = await reopened.read(0, { maxBytes: 1 << 20 });
    expect(read.error).toBe('OFFSET_OUT_OF_RANGE');
    await after.close();
  });

  it('recovers every written record, whatever the (stale) high watermark checkpoint says', async () => {
    await using dir = await tempDir();
    const before = await LogDirectory.open({ path: dir.path });
    const log = await before.openLog('t', 0, { topicId: TOPIC_A });
    for (let i = 0; i < 3; i++) await log.append([testBatch({ records: 2 })], LEADER);
    log.setHighWatermark(log.logEndOffset);
    await before.checkpoint();
    for (let i = 0; i < 4; i++) await log.append([testBatch({ records: 2 })], LEADER);
    log.setHighWatermark(log.logEndOffset);
    await before.files.closeAll();

    const after = await LogDirectory.open({ path: dir.path });
    const reopened = await after.openLog('t', 0, { topicId: TOPIC_A });
    // The checkpoint is the floor; the leader raises it to the log end (the broker's replica manager).
    expect(reopened.highWatermark).toBe(6);
    expect(reopened.logEndOffset).toBe(14);
    await after.close();
  });

  it('writes checkpoints one at a time: concurrent calls all land, the last state wins', async () => {
    await using dir = await tempDir();
    const directory = await LogDirectory.open({ path: dir.path });
    const log = await directory.openLog('t', 0, { topicId: TOPIC_A });
    const writes: Promise<void>[] = [];
    for (let i = 0; i < 20; i++) {
      await log.append([testBatch({ records: 1 })], LEADER);
      log.setHighWatermark(log.logEndOffset);
      writes.push(directory.checkpoint());
    }
    await Promise.all(writes);
    await directory.close();
    const after = await LogDirectory.open({ path: dir.path });
    expect((await after.openLog('t', 0, { topicId: TOPIC_A })).highWatermark).toBe(20);
    await after.close();
  });

  it('does not hand a deleted topic’s records to a new topic of the same name', async () => {
    await using dir = await tempDir();
    // The process died after the topic was deleted in the metadata but before its directory went.
    const before = await LogDirectory.open({ path: dir.path });
    const old = await before.openLog('t', 0, { topicId: TOPIC_A });
    for (let i = 0; i < 5; i++) await old.append([testBatch({ records: 1 })], LEADER);
    old.setHighWatermark(5);
    await old.deleteRecordsBefore(2);
    await before.checkpoint();
    await before.files.closeAll();

    const after = await LogDirectory.open({ path: dir.path });
    const recreated = await after.openLog('t', 0, { topicId: TOPIC_B });
    expect([recreated.logStartOffset, recreated.logEndOffset, recreated.highWatermark]).toEqual([0, 0, 0]);
    await recreated.append([testBatch({ records: 1 })], LEADER);
    expect(recreated.logEndOffset).toBe(1);
    await after.close();

    // The same topic id keeps its log.
    const again = await LogDirectory.open({ path: dir.path });
    expect((await again.openLog('t', 0, { topicId: TOPIC_B })).logEndOffset).toBe(1);
    await again.close();
  });

  it('learns a leader epoch from the recovered batches when its checkpoint write was lost', async () => {
    await using dir = await tempDir();
    const before = await LogDirectory.open({ path: dir.path });
    const log = await before.openLog('t', 0, { topicId: TOPIC_A });
    for (let i = 0; i < 3; i++) await log.append([testBatch({ records: 2 })], { leaderEpoch: 0 });
    for (let i = 0; i < 2; i++) await log.append([testBatch({ records: 2 })], { leaderEpoch: 4 });
    await log.flush();
    expect(log.epochEntries()).toEqual([
      { epoch: 0, startOffset: 0 },
      { epoch: 4, startOffset: 6 },
    ]);
    // The background write of epoch 4's entry never reached the file.
    await writeFile(join(log.directory, LEADER_EPOCH_CHECKPOINT), formatLeaderEpochCheckpoint([{ epoch: 0, startOffset: 0 }]));
    await before.files.closeAll();

    const after = await LogDirectory.open({ path: dir.path });
    const reopened = await after.openLog('t', 0, { topicId: TOPIC_A });
    expect(reopened.epochEntries()).toEqual([
      { epoch: 0, startOffset: 0 },
      { epoch: 4, startOffset: 6 },
    ]);
    expect(reopened.endOffsetForEpoch(0)).toEqual({ leaderEpoch: 0, endOffset: 6 });
    await after.close();
  });
});
