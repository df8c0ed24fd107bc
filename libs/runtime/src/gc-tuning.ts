import { setFlagsFromString } from 'node:v8';

let tuned = false;

/**
 * Makes V8 weigh the memory outside its heap (the Buffers of socket reads, request frames and
 * fetch windows) against its global heap limit, which grows with the heap, instead of running a
 * full collection each time that memory has grown by a fixed 64 MiB since the last one.
 *
 * A broker moves hundreds of MB/s through Buffers that die young while its heap stays at ~30 MB:
 * with V8's default, a librdkafka producer at ~420 MB/s set off a mark-compact about every 150 ms
 * (37% of the event loop's busy time, and the concurrent markers took most of the other core).
 * With this flag the broker spent 1.4-1.6 CPU s per GiB produced instead of 2.4-2.8, and the
 * producer got 460-540 MB/s instead of 370-420, for ~40 MiB more peak RSS (bench/compare/PROFILE.md).
 *
 * Called once at the start of every Strom process, before it serves anything.
 */
export function tuneGarbageCollection(): void {
  if (tuned) return;
  tuned = true;
  setFlagsFromString('--external-memory-accounted-in-global-limit');
}
