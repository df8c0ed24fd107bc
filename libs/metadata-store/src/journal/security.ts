import type { AclBinding, ScramCredentialRecord, ScramMechanism, SecurityRepository } from '../model.js';
import { compareStrings, type TableAccess } from './access.js';
import { keys, type AclRow } from './tables.js';

const ACL_FIELDS = ['resourceType', 'resourceName', 'patternType', 'principal', 'host', 'operation', 'permissionType'] as const;

/** SCRAM credentials (salted keys only) and ACL bindings, in the journal store's tables. */
export class JournalSecurityRepository implements SecurityRepository {
  constructor(private readonly access: TableAccess) {}

  async upsertScramCredential(credential: ScramCredentialRecord): Promise<void> {
    await this.access.write((_tables, writes) =>
      writes.put('scram', keys.scram(credential.user, credential.mechanism), copyCredential(credential)),
    );
  }

  async scramCredential(user: string, mechanism: ScramMechanism): Promise<ScramCredentialRecord | undefined> {
    return this.access.read((tables) => {
      const row = tables.scram.get(keys.scram(user, mechanism));
      return row && copyCredential(row);
    });
  }

  async listScramCredentials(users?: string[]): Promise<ScramCredentialRecord[]> {
    return this.access.read((tables) => {
      const wanted = users && new Set(users);
      return [...tables.scram.values()]
        .filter((row) => wanted === undefined || wanted.has(row.user))
        .sort((a, b) => compareStrings(a.user, b.user) || compareStrings(a.mechanism, b.mechanism))
        .map(copyCredential);
    });
  }

  async deleteScramCredential(user: string, mechanism: ScramMechanism): Promise<boolean> {
    return this.access.write((tables, writes) => {
      const key = keys.scram(user, mechanism);
      if (tables.scram.get(key) === undefined) return false;
      writes.delete('scram', key);
      return true;
    });
  }

  async createAcls(bindings: AclBinding[]): Promise<void> {
    await this.access.write((tables, writes) => {
      const existing = new Set([...tables.acls.values()].map(bindingKey));
      let nextId = tables.clusterRow.nextAclId;
      for (const binding of bindings) {
        const key = bindingKey(binding);
        if (existing.has(key)) continue;
        existing.add(key);
        writes.put('acls', keys.acl(nextId), { id: nextId, ...copyBinding(binding) });
        nextId++;
      }
      if (nextId !== tables.clusterRow.nextAclId) writes.put('cluster', keys.cluster(), { ...tables.clusterRow, nextAclId: nextId });
    });
  }

  async listAcls(filter: Partial<AclBinding> = {}): Promise<AclBinding[]> {
    return this.access.read(() => this.matching(filter).map(copyBinding));
  }

  async deleteAcls(filter: Partial<AclBinding>): Promise<AclBinding[]> {
    return this.access.write((_tables, writes) => {
      const matching = this.matching(filter);
      for (const row of matching) writes.delete('acls', keys.acl(row.id));
      return matching.map(copyBinding);
    });
  }

  /** The bindings matching every field `filter` gives, oldest first. */
  private matching(filter: Partial<AclBinding>): AclRow[] {
    const fields = ACL_FIELDS.filter((field) => filter[field] !== undefined);
    return [...this.access.tables.acls.values()]
      .filter((row) => fields.every((field) => row[field] === filter[field]))
      .sort((a, b) => a.id - b.id);
  }
}

function bindingKey(binding: AclBinding): string {
  return JSON.stringify(ACL_FIELDS.map((field) => binding[field]));
}

function copyBinding(binding: AclBinding): AclBinding {
  return Object.fromEntries(ACL_FIELDS.map((field) => [field, binding[field]])) as unknown as AclBinding;
}

function copyCredential(credential: ScramCredentialRecord): ScramCredentialRecord {
  return {
    user: credential.user,
    mechanism: credential.mechanism,
    salt: Uint8Array.from(credential.salt),
    storedKey: Uint8Array.from(credential.storedKey),
    serverKey: Uint8Array.from(credential.serverKey),
    iterations: credential.iterations,
  };
}
