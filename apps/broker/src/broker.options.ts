/** Injection token for the broker's listener options. */
export const BROKER_OPTIONS = Symbol.for('strom.broker.options');

export interface BrokerOptions {
  nodeId: number;
  host: string;
  port: number;
  advertisedHost?: string | undefined;
  dataDir: string;
}
