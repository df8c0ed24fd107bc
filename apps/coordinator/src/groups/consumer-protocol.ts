import { ConsumerProtocolSubscriptionCodec, Reader } from '@strom/protocol';

/** The protocol type of Kafka's consumer (`ConsumerProtocol.PROTOCOL_TYPE`). */
export const CONSUMER_PROTOCOL_TYPE = 'consumer';

/**
 * The topics in a consumer's JoinGroup metadata (an int16 version, then a
 * ConsumerProtocolSubscription), or undefined when the bytes do not parse. Like Kafka's
 * `ConsumerProtocol.deserializeSubscription`, versions above the highest known are read as
 * the highest (later versions only append fields).
 */
export function subscriptionTopics(metadata: Buffer): string[] | undefined {
  try {
    const reader = new Reader(metadata, 'ConsumerProtocolSubscription');
    const version = reader.int16('ConsumerProtocolSubscription.Version');
    if (version < ConsumerProtocolSubscriptionCodec.minVersion) return undefined;
    const subscription = ConsumerProtocolSubscriptionCodec.decode(reader, Math.min(version, ConsumerProtocolSubscriptionCodec.maxVersion));
    return subscription.topics;
  } catch {
    return undefined;
  }
}
