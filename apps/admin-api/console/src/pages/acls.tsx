import { useState } from 'preact/hooks';
import { api, type Acl } from '../api.ts';
import { Section, useLoad } from '../load.tsx';

/** Kafka's ACL enums as v3 names them (ANY, MATCH and UNKNOWN only where a filter takes them). */
const RESOURCE_TYPES = ['TOPIC', 'GROUP', 'CLUSTER', 'TRANSACTIONAL_ID', 'DELEGATION_TOKEN', 'USER'];
const PATTERN_TYPES = ['LITERAL', 'PREFIXED'];
const OPERATIONS = [
  'ALL',
  'READ',
  'WRITE',
  'CREATE',
  'DELETE',
  'ALTER',
  'DESCRIBE',
  'CLUSTER_ACTION',
  'DESCRIBE_CONFIGS',
  'ALTER_CONFIGS',
  'IDEMPOTENT_WRITE',
  'CREATE_TOKENS',
  'DESCRIBE_TOKENS',
];
const PERMISSIONS = ['ALLOW', 'DENY'];

interface Filter {
  resource_type: string;
  resource_name: string;
  pattern_type: string;
  principal: string;
}

const NO_FILTER: Filter = { resource_type: 'ANY', resource_name: '', pattern_type: 'ANY', principal: '' };

/** The v3 query of a filter: empty fields are left out, so they match any. */
function query(filter: Filter): URLSearchParams {
  return new URLSearchParams(Object.entries(filter).filter(([, value]) => value !== ''));
}

function describe(acl: Acl): string {
  return `${acl.permission} ${acl.principal} ${acl.operation} on ${acl.resource_type} ${acl.pattern_type} ${acl.resource_name} from ${acl.host}`;
}

type Status = { ok: boolean; text: string } | undefined;

function StatusLine({ status }: { status: Status }) {
  if (!status) return null;
  return (
    <p role="status" class={status.ok ? 'ok' : 'error'}>
      {status.text}
    </p>
  );
}

function Choice({
  label,
  value,
  options,
  set,
}: {
  label: string;
  value: string;
  options: readonly string[];
  set: (value: string) => void;
}) {
  return (
    <label>
      {label}
      <select value={value} onChange={(event) => set(event.currentTarget.value)}>
        {options.map((option) => (
          <option key={option} value={option}>
            {option}
          </option>
        ))}
      </select>
    </label>
  );
}

function Text({ label, value, set, required }: { label: string; value: string; set: (value: string) => void; required?: boolean }) {
  return (
    <label>
      {label}
      <input required={required} value={value} onInput={(event) => set(event.currentTarget.value)} />
    </label>
  );
}

/** The ACL bindings, filtered on the server; a form to create one and a button to delete each. */
export function AclsPage() {
  const [draft, setDraft] = useState<Filter>(NO_FILTER);
  const [filter, setFilter] = useState<Filter>(NO_FILTER);
  const acls = useLoad(() => api.acls(query(filter)), [filter]);
  const [status, setStatus] = useState<Status>();
  const edit = (patch: Partial<Filter>) => setDraft({ ...draft, ...patch });
  const remove = async (acl: Acl) => {
    if (!confirm(`Delete the ACL binding ${describe(acl)}?`)) return;
    try {
      const { data } = await api.deleteAcl(acl);
      setStatus({ ok: true, text: `Deleted ${data.length} ACL binding${data.length === 1 ? '' : 's'}.` });
      acls.reload();
    } catch (error) {
      setStatus({ ok: false, text: `Could not delete the ACL binding: ${(error as Error).message}` });
    }
  };
  return (
    <>
      <h1>ACLs</h1>
      <CreateAcl created={acls.reload} />
      <h2>ACL bindings</h2>
      <form
        class="inline"
        aria-label="Filter ACL bindings"
        onSubmit={(event) => {
          event.preventDefault();
          setFilter(draft);
        }}
      >
        <Choice
          label="Resource type"
          value={draft.resource_type}
          options={['ANY', ...RESOURCE_TYPES]}
          set={(v) => edit({ resource_type: v })}
        />
        <Text label="Resource name" value={draft.resource_name} set={(v) => edit({ resource_name: v })} />
        <Choice
          label="Pattern type"
          value={draft.pattern_type}
          options={['ANY', 'MATCH', ...PATTERN_TYPES]}
          set={(v) => edit({ pattern_type: v })}
        />
        <Text label="Principal" value={draft.principal} set={(v) => edit({ principal: v })} />
        <button type="submit">Filter</button>
      </form>
      <StatusLine status={status} />
      <Section loaded={acls} label="ACL bindings">
        {(list) =>
          list.length === 0 ? (
            <p>No ACL bindings match.</p>
          ) : (
            <table aria-label="ACL bindings">
              <thead>
                <tr>
                  <th scope="col">Resource type</th>
                  <th scope="col">Resource name</th>
                  <th scope="col">Pattern type</th>
                  <th scope="col">Principal</th>
                  <th scope="col">Host</th>
                  <th scope="col">Operation</th>
                  <th scope="col">Permission</th>
                  <th scope="col">Action</th>
                </tr>
              </thead>
              <tbody>
                {list.map((acl) => (
                  <tr key={describe(acl)}>
                    <td>{acl.resource_type}</td>
                    <td>{acl.resource_name}</td>
                    <td>{acl.pattern_type}</td>
                    <td>{acl.principal}</td>
                    <td>{acl.host}</td>
                    <td>{acl.operation}</td>
                    <td>{acl.permission}</td>
                    <td>
                      <button type="button" aria-label={`Delete ${describe(acl)}`} onClick={() => remove(acl)}>
                        Delete
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )
        }
      </Section>
    </>
  );
}

function CreateAcl({ created }: { created: () => void }) {
  const [acl, setAcl] = useState<Acl>({
    resource_type: 'TOPIC',
    resource_name: '',
    pattern_type: 'LITERAL',
    principal: 'User:',
    host: '*',
    operation: 'READ',
    permission: 'ALLOW',
  });
  const [status, setStatus] = useState<Status>();
  const edit = (patch: Partial<Acl>) => setAcl({ ...acl, ...patch });
  const submit = async (event: Event) => {
    event.preventDefault();
    try {
      await api.createAcl(acl);
      setStatus({ ok: true, text: `Created the ACL binding ${describe(acl)}.` });
      created();
    } catch (error) {
      setStatus({ ok: false, text: `Could not create the ACL binding: ${(error as Error).message}` });
    }
  };
  return (
    <section aria-labelledby="create-acl">
      <h2 id="create-acl">Create an ACL binding</h2>
      <form class="inline" aria-label="Create an ACL binding" onSubmit={submit}>
        <Choice label="Resource type" value={acl.resource_type} options={RESOURCE_TYPES} set={(v) => edit({ resource_type: v })} />
        <Text label="Resource name" required value={acl.resource_name} set={(v) => edit({ resource_name: v })} />
        <Choice label="Pattern type" value={acl.pattern_type} options={PATTERN_TYPES} set={(v) => edit({ pattern_type: v })} />
        <Text label="Principal" required value={acl.principal} set={(v) => edit({ principal: v })} />
        <Text label="Host" required value={acl.host} set={(v) => edit({ host: v })} />
        <Choice label="Operation" value={acl.operation} options={OPERATIONS} set={(v) => edit({ operation: v })} />
        <Choice label="Permission" value={acl.permission} options={PERMISSIONS} set={(v) => edit({ permission: v })} />
        <button type="submit">Create ACL binding</button>
      </form>
      <StatusLine status={status} />
    </section>
  );
}
