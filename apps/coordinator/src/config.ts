import type { ServerConfig } from '@strom/config';
import { COMMON_KEYS, HEALTH_KEYS } from '@strom/runtime';
import type { CoordinatorOptions } from './coordinator.service.js';
import { groupConfigFrom } from './groups/index.js';

/** The keys `apps/coordinator` takes flags and env for when it runs as its own process. */
export const COORDINATOR_KEYS: readonly string[] = [...COMMON_KEYS, ...HEALTH_KEYS, 'strom.nats.url', 'strom.database.url'];

/** The coordinator's options from the one parsed configuration (group.*, offsets.*). */
export function coordinatorOptions(config: ServerConfig): CoordinatorOptions {
  return { groups: groupConfigFrom(config) };
}
