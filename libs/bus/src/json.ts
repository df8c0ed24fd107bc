/**
 * JSON conveniences over any Bus. The core stays on bytes; these encode with JSON.stringify
 * (so bigint values must be converted by the caller) and decode with JSON.parse.
 * A reply handler that receives malformed JSON throws, so the requester gets BusRemoteError.
 */
import type { Bus, MessageContext, ReplyContext, ReplyOptions, RequestOptions, SubscribeOptions, Subscription } from './bus.js';
import { BusInvalidArgumentError } from './errors.js';

export function encodeJson(value: unknown): Buffer {
  const text = JSON.stringify(value);
  if (text === undefined) throw new BusInvalidArgumentError('value is not JSON-serializable');
  return Buffer.from(text, 'utf8');
}

export function decodeJson<T = unknown>(payload: Uint8Array): T {
  return JSON.parse(Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).toString('utf8')) as T;
}

export async function requestJson<TResponse = unknown>(
  bus: Bus,
  subject: string,
  value: unknown,
  opts: RequestOptions,
): Promise<TResponse> {
  return decodeJson<TResponse>(await bus.request(subject, encodeJson(value), opts));
}

export function replyJson<TRequest = unknown, TResponse = unknown>(
  bus: Bus,
  subject: string,
  handler: (value: TRequest, ctx: ReplyContext) => TResponse | Promise<TResponse>,
  opts?: ReplyOptions,
): Subscription {
  return bus.reply(subject, async (payload, ctx) => encodeJson(await handler(decodeJson<TRequest>(payload), ctx)), opts);
}

export function publishJson(bus: Bus, subject: string, value: unknown): void {
  bus.publish(subject, encodeJson(value));
}

export function subscribeJson<T = unknown>(
  bus: Bus,
  subject: string,
  handler: (value: T, ctx: MessageContext) => void | Promise<void>,
  opts?: SubscribeOptions,
): Subscription {
  return bus.subscribe(subject, (payload, ctx) => handler(decodeJson<T>(payload), ctx), opts);
}
