/**
 * bench/compare: the physical limits of the machine, measured in the same harness as the brokers:
 * loopback TCP (1 MiB writes from this thread to a sink in a worker thread), page-cache writes
 * (1 GiB in 1 MiB chunks, no fsync, on the brokers' disk) and CRC32C (what Strom computes per
 * record batch, @strom/protocol's native crc32c).
 */
import { closeSync, openSync, rmSync, writeSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { crc32c } from '@strom/protocol';
import { GiB, MiB } from '../lib/proc.ts';

export interface Limit {
  id: string;
  what: string;
  value: number;
  unit: string;
}

const SINK = `
const { parentPort } = require('node:worker_threads');
const { createServer } = require('node:net');
let bytes = 0;
const server = createServer((socket) => {
  socket.on('data', (chunk) => { bytes += chunk.length; });
  socket.on('end', () => { parentPort.postMessage({ bytes }); server.close(); });
});
server.listen(0, '127.0.0.1', () => parentPort.postMessage({ port: server.address().port }));
`;

/** MiB/s through a loopback TCP connection: 1 MiB writes (honouring backpressure) for `seconds`. */
export async function loopbackTcp(seconds: number): Promise<number> {
  const worker = new Worker(SINK, { eval: true });
  try {
    const messages: { port?: number; bytes?: number }[] = [];
    let wake: (() => void) | undefined;
    worker.on('message', (message: { port?: number; bytes?: number }) => {
      messages.push(message);
      wake?.();
    });
    const next = async (): Promise<{ port?: number; bytes?: number }> => {
      while (messages.length === 0) await new Promise<void>((resolve) => (wake = resolve));
      return messages.shift()!;
    };
    const { port } = await next();
    const socket = connect(port!, '127.0.0.1');
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    const chunk = Buffer.alloc(MiB, 7);
    const started = performance.now();
    while (performance.now() - started < seconds * 1000) {
      if (!socket.write(chunk)) await new Promise((resolve) => socket.once('drain', resolve));
    }
    socket.end();
    const { bytes } = await next();
    const elapsedSeconds = (performance.now() - started) / 1000;
    return (bytes ?? 0) / MiB / elapsedSeconds;
  } finally {
    await worker.terminate();
  }
}

/** MiB/s of buffered writes (page cache, no fsync) of `totalBytes` in 1 MiB chunks, in `dir`. */
export function pageCacheWrite(dir: string, totalBytes = GiB): number {
  const file = join(dir, `strom-bench-limit-${process.pid}.bin`);
  const chunk = Buffer.alloc(MiB, 7);
  const fd = openSync(file, 'w');
  try {
    const started = performance.now();
    for (let written = 0; written < totalBytes; written += MiB) writeSync(fd, chunk);
    const elapsedSeconds = (performance.now() - started) / 1000;
    return totalBytes / MiB / elapsedSeconds;
  } finally {
    closeSync(fd);
    rmSync(file, { force: true });
  }
}

/** GiB/s of CRC32C over a 1 MiB buffer, for about `seconds`. */
export function crc32cRate(seconds: number): number {
  const input = Buffer.alloc(MiB);
  for (let i = 0; i < input.length; i++) input[i] = (i * 2654435761) >>> 24;
  let bytes = 0;
  let sink = 0;
  const started = performance.now();
  while (performance.now() - started < seconds * 1000) {
    for (let i = 0; i < 16; i++) sink ^= crc32c(input);
    bytes += 16 * MiB;
  }
  const elapsedSeconds = (performance.now() - started) / 1000;
  if (sink === 0.5) throw new Error('unreachable');
  return bytes / GiB / elapsedSeconds;
}

export async function measureLimits(quick: boolean): Promise<Limit[]> {
  const dir = process.env.BENCH_DIR ?? tmpdir();
  const seconds = quick ? 1.5 : 3;
  return [
    {
      id: 'limit loopback TCP',
      what: 'loopback TCP, 1 MiB writes from one thread to a sink in a worker thread',
      value: await loopbackTcp(seconds),
      unit: 'MB/s',
    },
    {
      id: 'limit page-cache write',
      what: `page-cache writes, ${quick ? 256 : 1024} MiB in 1 MiB chunks without fsync, in ${dir}`,
      value: pageCacheWrite(dir, quick ? GiB / 4 : GiB),
      unit: 'MB/s',
    },
    {
      id: 'limit CRC32C',
      what: 'CRC32C of a 1 MiB buffer (@strom/protocol crc32c, native), one core',
      value: crc32cRate(seconds),
      unit: 'GB/s',
    },
  ];
}
