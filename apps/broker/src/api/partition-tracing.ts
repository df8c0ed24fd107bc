import { errorName, ErrorCode } from '@strom/errors';
import { batches, decodeRecords } from '@strom/protocol';
import { inSpan, KAFKA, MessagingAttribute, parseTraceparent, SpanKind, type Span, type SpanContext } from '@strom/telemetry';

/** A bound on the links of one partition's produce span: one per record that carries a traceparent header. */
export const MAX_PRODUCE_LINKS = 128;

/**
 * One partition's append in a span ("produce {topic}") with the base offset it got, linked to
 * the trace of every record that carries a W3C `traceparent` header (up to MAX_PRODUCE_LINKS).
 * Reading the headers decodes the records (and decompresses them): only done while tracing is on.
 */
export function tracedAppend<T extends { errorCode: ErrorCode; baseOffset: bigint }>(
  topic: string,
  partition: number,
  records: Buffer | null,
  append: () => Promise<T>,
): Promise<T> {
  const { traced, messages } = producedRecords(records);
  return inSpan(
    `produce ${topic}`,
    SpanKind.INTERNAL,
    {
      [MessagingAttribute.system]: KAFKA,
      [MessagingAttribute.operationName]: 'produce',
      [MessagingAttribute.destination]: topic,
      [MessagingAttribute.partition]: String(partition),
      [MessagingAttribute.messageCount]: messages,
    },
    async (span) => {
      const outcome = await append();
      const appended = outcome.errorCode === ErrorCode.NONE;
      if (appended) span.setAttribute(MessagingAttribute.offset, Number(outcome.baseOffset));
      else failedWith(span, outcome.errorCode);
      // Added once the offsets are known: each link names the offset its record got.
      span.addLinks(
        traced.map(({ context, offsetDelta }) => ({
          context,
          ...(appended ? { attributes: { [MessagingAttribute.offset]: Number(outcome.baseOffset) + offsetDelta } } : {}),
        })),
      );
      return outcome;
    },
  );
}

/**
 * A follower's append of the batches it fetched from its leader in a span ("replicate {topic}"),
 * from the offset it appends at, linked to the trace of every record carrying a `traceparent`
 * header as the leader's produce span is: a traced record's replication shows on each follower.
 * Call only for a fetch that returned records (an empty long poll is no span).
 */
export function tracedReplicaAppend<T extends { kind: string; message?: string }>(
  topic: string,
  partition: number,
  leaderId: number,
  fetchOffset: number,
  records: Buffer,
  append: () => Promise<T>,
): Promise<T> {
  const { traced, messages } = producedRecords(records);
  const links = traced.map(({ context, batchBaseOffset, offsetDelta }) => ({
    context,
    attributes: { [MessagingAttribute.offset]: batchBaseOffset + offsetDelta },
  }));
  return inSpan(
    `replicate ${topic}`,
    SpanKind.CONSUMER,
    {
      [MessagingAttribute.system]: KAFKA,
      [MessagingAttribute.operationName]: 'replicate',
      [MessagingAttribute.operationType]: 'receive',
      [MessagingAttribute.destination]: topic,
      [MessagingAttribute.partition]: String(partition),
      [MessagingAttribute.offset]: fetchOffset,
      [MessagingAttribute.messageCount]: messages,
      'messaging.kafka.leader.id': leaderId,
    },
    async (span) => {
      const outcome = await append();
      if (outcome.kind === 'rejected') {
        span.setAttribute('error.type', 'rejected');
        span.setStatus({ code: 2, message: outcome.message ?? 'rejected' });
      }
      return outcome;
    },
    links,
  );
}

/** One partition's read of a fetch in a span ("fetch {topic}") from its fetch offset. */
export function tracedRead<T extends { errorCode: ErrorCode; records: Buffer }>(
  topic: string | undefined,
  partition: number,
  fetchOffset: number,
  read: () => Promise<T>,
): Promise<T> {
  return inSpan(
    `fetch ${topic ?? ''}`.trim(),
    SpanKind.INTERNAL,
    {
      [MessagingAttribute.system]: KAFKA,
      [MessagingAttribute.operationName]: 'fetch',
      ...(topic === undefined ? {} : { [MessagingAttribute.destination]: topic }),
      [MessagingAttribute.partition]: String(partition),
      [MessagingAttribute.offset]: fetchOffset,
    },
    async (span) => {
      const answer = await read();
      if (answer.errorCode !== ErrorCode.NONE) failedWith(span, answer.errorCode);
      else {
        span.setAttribute(MessagingAttribute.messageCount, recordCount(answer.records));
        span.setAttribute('messaging.message.body.size', answer.records.length);
      }
      return answer;
    },
  );
}

function failedWith(span: Span, errorCode: ErrorCode): void {
  span.setAttribute('error.type', errorName(errorCode));
  span.setStatus({ code: 2, message: errorName(errorCode) });
}

/** A record with a `traceparent` header: the producer's span and where the record sits in the input. */
interface TracedRecord {
  context: SpanContext;
  /** The batch's base offset as sent (0 from a producer; the log's offset in a follower fetch). */
  batchBaseOffset: number;
  offsetDelta: number;
}

/** The records' count and their producers' trace links; input the append will refuse yields what could be read of it. */
function producedRecords(records: Buffer | null): { traced: TracedRecord[]; messages: number } {
  const traced: TracedRecord[] = [];
  let messages = 0;
  if (records === null) return { traced, messages };
  try {
    for (const batch of batches(records)) {
      messages += batch.header.recordCount;
      if (traced.length >= MAX_PRODUCE_LINKS) continue;
      for (const record of decodeRecords(batch.bytes)) {
        for (const header of record.headers) {
          if (header.key !== 'traceparent' || header.value === null || traced.length >= MAX_PRODUCE_LINKS) continue;
          const context = parseTraceparent(header.value.toString('latin1'));
          if (context !== undefined)
            traced.push({ context, batchBaseOffset: Number(batch.header.baseOffset), offsetDelta: record.offsetDelta });
        }
      }
    }
  } catch {
    // Malformed input: the append answers it with the right error code; the span keeps what was read.
  }
  return { traced, messages };
}

function recordCount(records: Buffer): number {
  let count = 0;
  try {
    for (const batch of batches(records, { allowPartialTail: true })) count += batch.header.recordCount;
  } catch {
    // A read is whole batches; nothing to count past a damaged one.
  }
  return count;
}
