import { randomUUID } from 'node:crypto';

/** A new cluster id: a random UUID as Kafka writes it (base64url, no padding, 22 characters). */
export function newClusterId(): string {
  return Buffer.from(randomUUID().replaceAll('-', ''), 'hex').toString('base64url');
}
