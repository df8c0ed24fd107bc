import { useState } from 'preact/hooks';
import { SCRAM_MECHANISMS, stromApi } from '../api.ts';
import { Section, useLoad } from '../load.tsx';

/** kafka-configs.sh's iteration count when none is given, and the range the broker accepts (Kafka's ScramMechanism min and max iterations). */
const DEFAULT_ITERATIONS = 4096;
const MIN_ITERATIONS = 4096;
const MAX_ITERATIONS = 16384;

type Status = { ok: boolean; text: string } | undefined;

function StatusLine({ status }: { status: Status }) {
  if (!status) return null;
  return (
    <p role="status" class={status.ok ? 'ok' : 'error'}>
      {status.text}
    </p>
  );
}

/** The SCRAM users with their mechanisms and iterations, a form to create or update a credential, and deleting one. */
export function ScramUsersPage() {
  const users = useLoad(() => stromApi.scramUsers(), []);
  const [status, setStatus] = useState<Status>();
  const remove = async (user: string, mechanism: string) => {
    try {
      await stromApi.deleteScramCredential(user, mechanism);
      setStatus({ ok: true, text: `Deleted the ${mechanism} credential of ${user}.` });
      users.reload();
    } catch (error) {
      setStatus({ ok: false, text: `Could not delete the ${mechanism} credential of ${user}: ${(error as Error).message}` });
    }
  };
  return (
    <>
      <h1>SCRAM users</h1>
      <SetCredential changed={users.reload} />
      <h2>Users</h2>
      <StatusLine status={status} />
      <Section loaded={users} label="SCRAM users">
        {(list) =>
          list.length === 0 ? (
            <p>No SCRAM users.</p>
          ) : (
            <table aria-label="SCRAM credentials">
              <thead>
                <tr>
                  <th scope="col">User</th>
                  <th scope="col">Mechanism</th>
                  <th scope="col" class="number">
                    Iterations
                  </th>
                  <th scope="col">Action</th>
                </tr>
              </thead>
              <tbody>
                {list.flatMap((user) =>
                  user.credentials
                    .toSorted((a, b) => a.mechanism.localeCompare(b.mechanism))
                    .map((credential) => (
                      <tr key={`${user.user_name}/${credential.mechanism}`}>
                        <td>{user.user_name}</td>
                        <td>{credential.mechanism}</td>
                        <td class="number">{credential.iterations}</td>
                        <td>
                          <button
                            type="button"
                            aria-label={`Delete ${credential.mechanism} credential of ${user.user_name}`}
                            onClick={() => void remove(user.user_name, credential.mechanism)}
                          >
                            Delete
                          </button>
                        </td>
                      </tr>
                    )),
                )}
              </tbody>
            </table>
          )
        }
      </Section>
    </>
  );
}

function SetCredential({ changed }: { changed: () => void }) {
  const [user, setUser] = useState('');
  const [mechanism, setMechanism] = useState<string>('SCRAM-SHA-512');
  const [password, setPassword] = useState('');
  const [iterations, setIterations] = useState(DEFAULT_ITERATIONS);
  const [status, setStatus] = useState<Status>();
  const submit = async (event: Event) => {
    event.preventDefault();
    try {
      await stromApi.upsertScramCredential(user, mechanism, password, iterations);
      setStatus({ ok: true, text: `Saved the ${mechanism} credential of ${user}.` });
      setPassword('');
      changed();
    } catch (error) {
      setStatus({ ok: false, text: `Could not save the ${mechanism} credential of ${user}: ${(error as Error).message}` });
    }
  };
  return (
    <section aria-labelledby="set-credential">
      <h2 id="set-credential">Create or update a credential</h2>
      <form class="inline" onSubmit={submit}>
        <label>
          User
          <input required name="user_name" autoComplete="off" value={user} onInput={(event) => setUser(event.currentTarget.value)} />
        </label>
        <label>
          Mechanism
          <select name="mechanism" value={mechanism} onChange={(event) => setMechanism(event.currentTarget.value)}>
            {SCRAM_MECHANISMS.map((name) => (
              <option key={name} value={name}>
                {name}
              </option>
            ))}
          </select>
        </label>
        <label>
          Password
          <input
            required
            type="password"
            name="password"
            autoComplete="new-password"
            value={password}
            onInput={(event) => setPassword(event.currentTarget.value)}
          />
        </label>
        <label>
          Iterations
          <input
            type="number"
            min={MIN_ITERATIONS}
            max={MAX_ITERATIONS}
            name="iterations"
            value={iterations}
            onInput={(event) => setIterations(Number(event.currentTarget.value))}
          />
        </label>
        <button type="submit">Save credential</button>
      </form>
      <StatusLine status={status} />
    </section>
  );
}
