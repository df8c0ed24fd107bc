import { dynamicBrokerConfigProblem } from '@strom/config';
import type { AlterBrokerConfigsCommand } from '@strom/contracts';
import { ErrorCode } from '@strom/errors';
import type { MetadataStore } from '@strom/metadata-store';

/**
 * AlterConfigs / IncrementalAlterConfigs on a BROKER resource: validated as Kafka's
 * ConfigAdminManager does (INVALID_REQUEST with DynamicBrokerConfig's message), then stored in
 * one change. The broker has already checked the resource name is its own id or ''.
 */
export async function alterBrokerConfigs(
  store: MetadataStore,
  command: AlterBrokerConfigsCommand,
): Promise<{ errorCode: ErrorCode; errorMessage: string | null; changed: boolean }> {
  const problem = dynamicBrokerConfigProblem(command.changes, command.brokerId !== null);
  if (problem !== undefined) return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: problem, changed: false };
  if (command.validateOnly) return { errorCode: ErrorCode.NONE, errorMessage: null, changed: false };
  await store.brokerConfigs.alter(command.brokerId, command.changes, command.replace);
  return { errorCode: ErrorCode.NONE, errorMessage: null, changed: true };
}
