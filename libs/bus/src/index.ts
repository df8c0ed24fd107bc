export type {
  AppendOptions,
  Bus,
  BusOptions,
  BusStream,
  Bytes,
  ErrorContext,
  MessageContext,
  MessageHandler,
  ReplyContext,
  ReplyHandler,
  ReplyOptions,
  RequestOptions,
  StreamEntry,
  StreamHandler,
  SubscribeOptions,
  Subscription,
} from './bus.js';
export {
  DEFAULT_CLOSE_TIMEOUT_MS,
  DEFAULT_MAX_PAYLOAD_BYTES,
  DEFAULT_MAX_PENDING_MESSAGES,
  DEFAULT_MAX_REPLY_CONCURRENCY,
  DEFAULT_MAX_STREAM_ENTRIES,
  DEFAULT_OPERATION_TIMEOUT_MS,
  MAX_REQUEST_TIMEOUT_MS,
} from './bus.js';
export {
  BusClosedError,
  BusConflictError,
  BusError,
  BusInvalidArgumentError,
  BusNoRespondersError,
  BusPayloadTooLargeError,
  BusRemoteError,
  BusSlowConsumerError,
  BusStreamFullError,
  BusTimeoutError,
  BusTransportError,
  type BusErrorCode,
} from './errors.js';
export { InProcessBus, InProcessHub, type InProcessBusOptions } from './in-process-bus.js';
export { NatsBus, SERVICE_ERROR_CODE_HEADER, SERVICE_ERROR_HEADER, type NatsBusConnectOptions } from './nats-bus.js';
export { decodeJson, encodeJson, publishJson, replyJson, requestJson, subscribeJson } from './json.js';
export { MeteredBus, type BusFigures, type SubjectTraffic } from './metered-bus.js';
