import type { PrismaClient } from '../../generated/prisma/client.js';
import type { AclBinding, ScramCredentialRecord, ScramMechanism, SecurityRepository } from '../../model.js';

/** SCRAM credentials (salted keys only) and ACL bindings, in Postgres. */
export class PrismaSecurityRepository implements SecurityRepository {
  constructor(private readonly prisma: PrismaClient) {}

  async upsertScramCredential(credential: ScramCredentialRecord): Promise<void> {
    const { user, mechanism, ...keys } = credential;
    const data = {
      salt: Buffer.from(keys.salt),
      storedKey: Buffer.from(keys.storedKey),
      serverKey: Buffer.from(keys.serverKey),
      iterations: keys.iterations,
    };
    await this.prisma.scramCredential.upsert({
      where: { user_mechanism: { user, mechanism } },
      create: { user, mechanism, ...data },
      update: data,
    });
  }

  async scramCredential(user: string, mechanism: ScramMechanism): Promise<ScramCredentialRecord | undefined> {
    return (await this.prisma.scramCredential.findUnique({ where: { user_mechanism: { user, mechanism } } })) ?? undefined;
  }

  /** Every stored credential (of the given users only, when `users` is set), ordered by user then mechanism. */
  async listScramCredentials(users?: string[]): Promise<ScramCredentialRecord[]> {
    return this.prisma.scramCredential.findMany({
      where: users === undefined ? {} : { user: { in: users } },
      orderBy: [{ user: 'asc' }, { mechanism: 'asc' }],
    });
  }

  async deleteScramCredential(user: string, mechanism: ScramMechanism): Promise<boolean> {
    return (await this.prisma.scramCredential.deleteMany({ where: { user, mechanism } })).count === 1;
  }

  /** Stores ACL bindings; a binding that exists already is left as it is. */
  async createAcls(bindings: AclBinding[]): Promise<void> {
    await this.prisma.acl.createMany({ data: bindings, skipDuplicates: true });
  }

  async listAcls(filter: Partial<AclBinding> = {}): Promise<AclBinding[]> {
    return this.prisma.acl.findMany({ where: filter, omit: { id: true }, orderBy: { id: 'asc' } });
  }

  /** Deletes the bindings matching every given field; returns what was deleted. */
  async deleteAcls(filter: Partial<AclBinding>): Promise<AclBinding[]> {
    return this.prisma.$transaction(async (tx) => {
      const matching = await tx.acl.findMany({ where: filter, omit: { id: true } });
      await tx.acl.deleteMany({ where: filter });
      return matching;
    });
  }
}
