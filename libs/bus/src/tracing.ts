import { inSpan, MessagingAttribute, SpanKind, type Context } from '@strom/telemetry';

/**
 * The bus's spans (only made while tracing is on): a client span per request ("send {subject}")
 * whose context travels with the message, and a server span per handled request
 * ("process {subject}"), its child, that the handler's own spans hang under.
 */
export function requestSpan<T>(system: string, subject: string, send: () => Promise<T>): Promise<T> {
  return busSpan('send', SpanKind.CLIENT, system, subject, send);
}

export function replySpan<T>(system: string, subject: string, handle: () => Promise<T>): Promise<T> {
  return busSpan('process', SpanKind.SERVER, system, subject, handle);
}

function busSpan<T>(operation: 'send' | 'process', kind: SpanKind, system: string, subject: string, body: () => Promise<T>): Promise<T> {
  const attributes = {
    [MessagingAttribute.system]: system,
    [MessagingAttribute.operationName]: operation,
    [MessagingAttribute.operationType]: operation,
    [MessagingAttribute.destination]: subject,
  };
  return inSpan(`${operation} ${subject}`, kind, attributes, body);
}

export type { Context };
