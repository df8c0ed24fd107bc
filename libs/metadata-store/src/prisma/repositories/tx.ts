import type { PrismaClient } from '../../generated/prisma/client.js';

/** The client, or the client inside an interactive transaction. */
export type Db = Omit<PrismaClient, '$connect' | '$disconnect' | '$on' | '$transaction' | '$extends'>;

/** Bumps the global metadata version inside `tx`; every metadata change calls it once. */
export async function bumpMetadataVersion(tx: Db): Promise<bigint> {
  const row = await tx.metadataVersion.update({ where: { id: 1 }, data: { version: { increment: 1 } } });
  return row.version;
}
