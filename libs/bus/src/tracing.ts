import { inSpan, MessagingAttribute, SpanKind, type Context } from '@strom/telemetry';

/**
 * The bus's spans (only made while tracing is on): a client span per request ("send {subject}")
 * whose context travels with the message, and a server span per handled request
 * ("process {subject}"), its child, that the handler's own spans hang under.
 */
export function requestSpan<T>(system: string, subject: string, send: () => Promise<T>): Promise<T> {
  return inSpan(
    `send ${subject}`,
    SpanKind.CLIENT,
    {
      [MessagingAttribute.system]: system,
      [MessagingAttribute.operationName]: 'send',
      [MessagingAttribute.operationType]: 'send',
      [MessagingAttribute.destination]: subject,
    },
    send,
  );
}

export function replySpan<T>(system: string, subject: string, handle: () => Promise<T>): Promise<T> {
  return inSpan(
    `process ${subject}`,
    SpanKind.SERVER,
    {
      [MessagingAttribute.system]: system,
      [MessagingAttribute.operationName]: 'process',
      [MessagingAttribute.operationType]: 'process',
      [MessagingAttribute.destination]: subject,
    },
    handle,
  );
}

export type { Context };
