import { useState } from 'preact/hooks';
import { api, type Replica } from '../api.ts';
import { Section, useLoad } from '../load.tsx';

const enc = encodeURIComponent;

/** The topics, and a form to create one. */
export function TopicsPage() {
  const topics = useLoad(() => api.topics(), []);
  const [showInternal, setShowInternal] = useState(false);
  return (
    <>
      <h1>Topics</h1>
      <CreateTopic created={topics.reload} />
      <h2>All topics</h2>
      <label class="check">
        <input type="checkbox" checked={showInternal} onChange={(event) => setShowInternal(event.currentTarget.checked)} /> Show internal
        topics
      </label>
      <Section loaded={topics} label="topics">
        {(list) => (
          <table aria-label="Topics">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col" class="number">
                  Partitions
                </th>
                <th scope="col" class="number">
                  Replication factor
                </th>
                <th scope="col">Messages</th>
              </tr>
            </thead>
            <tbody>
              {list
                .filter((topic) => showInternal || !topic.is_internal)
                .sort((a, b) => a.topic_name.localeCompare(b.topic_name))
                .map((topic) => (
                  <tr key={topic.topic_name}>
                    <td>
                      <a href={`#/topics/${enc(topic.topic_name)}`}>{topic.topic_name}</a>
                      {topic.is_internal ? <span class="muted"> (internal)</span> : null}
                    </td>
                    <td class="number">{topic.partitions_count}</td>
                    <td class="number">{topic.replication_factor}</td>
                    <td>
                      <a href={`#/browse/${enc(topic.topic_name)}`} aria-label={`Browse messages of ${topic.topic_name}`}>
                        Browse
                      </a>
                    </td>
                  </tr>
                ))}
            </tbody>
          </table>
        )}
      </Section>
    </>
  );
}

function CreateTopic({ created }: { created: () => void }) {
  const [name, setName] = useState('');
  const [partitions, setPartitions] = useState(3);
  const [replication, setReplication] = useState(1);
  const [retentionMs, setRetentionMs] = useState('');
  const [cleanup, setCleanup] = useState('delete');
  const [status, setStatus] = useState<{ ok: boolean; text: string } | undefined>();
  const submit = async (event: Event) => {
    event.preventDefault();
    const configs = [{ name: 'cleanup.policy', value: cleanup }, ...(retentionMs ? [{ name: 'retention.ms', value: retentionMs }] : [])];
    try {
      await api.createTopic({ topic_name: name, partitions_count: partitions, replication_factor: replication, configs });
      setStatus({ ok: true, text: `Created topic ${name}.` });
      setName('');
      created();
    } catch (error) {
      setStatus({ ok: false, text: `Could not create topic ${name}: ${(error as Error).message}` });
    }
  };
  return (
    <section aria-labelledby="create-topic">
      <h2 id="create-topic">Create a topic</h2>
      <form class="inline" onSubmit={submit}>
        <label>
          Name
          <input required name="topic_name" value={name} onInput={(event) => setName(event.currentTarget.value)} />
        </label>
        <label>
          Partitions
          <input
            type="number"
            min={1}
            name="partitions_count"
            value={partitions}
            onInput={(event) => setPartitions(Number(event.currentTarget.value))}
          />
        </label>
        <label>
          Replication factor
          <input
            type="number"
            min={1}
            name="replication_factor"
            value={replication}
            onInput={(event) => setReplication(Number(event.currentTarget.value))}
          />
        </label>
        <label>
          Cleanup policy
          <select name="cleanup.policy" value={cleanup} onChange={(event) => setCleanup(event.currentTarget.value)}>
            <option value="delete">delete</option>
            <option value="compact">compact</option>
            <option value="compact,delete">compact,delete</option>
          </select>
        </label>
        <label>
          Retention (ms, empty for the default)
          <input
            name="retention.ms"
            inputMode="numeric"
            pattern="-?[0-9]*"
            value={retentionMs}
            onInput={(event) => setRetentionMs(event.currentTarget.value)}
          />
        </label>
        <button type="submit">Create topic</button>
      </form>
      {status ? (
        <p role="status" class={status.ok ? 'ok' : 'error'}>
          {status.text}
        </p>
      ) : null}
    </section>
  );
}

interface PartitionRow {
  partition: number;
  replicas: Replica[];
}

/** One topic: its partitions with leader, replicas and ISR, and its configs (with a form to set one). */
export function TopicPage({ name }: { name: string }) {
  const partitions = useLoad(async (): Promise<PartitionRow[]> => {
    const list = await api.partitions(name);
    return Promise.all(list.map(async (p) => ({ partition: p.partition_id, replicas: await api.replicas(name, p.partition_id) })));
  }, [name]);
  const configs = useLoad(() => api.topicConfigs(name), [name]);
  return (
    <>
      <h1>Topic {name}</h1>
      <p>
        <a href={`#/browse/${enc(name)}`}>Browse messages</a>
      </p>
      <h2>Partitions</h2>
      <Section loaded={partitions} label="partitions">
        {(rows) => (
          <table aria-label="Partitions">
            <thead>
              <tr>
                <th scope="col">Partition</th>
                <th scope="col">Leader</th>
                <th scope="col">Replicas</th>
                <th scope="col">In-sync replicas</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((row) => {
                const leader = row.replicas.find((replica) => replica.is_leader);
                const isr = row.replicas.filter((replica) => replica.is_in_sync);
                return (
                  <tr key={row.partition}>
                    <td>{row.partition}</td>
                    <td>{leader ? leader.broker_id : <span class="error">none (offline)</span>}</td>
                    <td>{row.replicas.map((replica) => replica.broker_id).join(', ')}</td>
                    <td class={isr.length < row.replicas.length ? 'error' : ''}>{isr.map((replica) => replica.broker_id).join(', ')}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
      </Section>
      <h2>Configs</h2>
      <SetConfig topic={name} changed={configs.reload} />
      <Section loaded={configs} label="configs">
        {(list) => (
          <table aria-label="Configs">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Value</th>
                <th scope="col">Source</th>
              </tr>
            </thead>
            <tbody>
              {list.map((config) => (
                <tr key={config.name}>
                  <td>
                    <code>{config.name}</code>
                  </td>
                  <td>{config.is_sensitive ? '(sensitive)' : (config.value ?? 'null')}</td>
                  <td class={config.is_default ? 'muted' : ''}>{config.source}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Section>
    </>
  );
}

function SetConfig({ topic, changed }: { topic: string; changed: () => void }) {
  const [name, setName] = useState('');
  const [value, setValue] = useState('');
  const [status, setStatus] = useState<{ ok: boolean; text: string } | undefined>();
  const submit = async (event: Event) => {
    event.preventDefault();
    try {
      await api.alterTopicConfig(topic, name, value);
      setStatus({ ok: true, text: `Set ${name} to ${value}.` });
      changed();
    } catch (error) {
      setStatus({ ok: false, text: `Could not set ${name}: ${(error as Error).message}` });
    }
  };
  return (
    <>
      <form class="inline" onSubmit={submit} aria-label="Set a config">
        <label>
          Config name
          <input required name="config_name" value={name} onInput={(event) => setName(event.currentTarget.value)} />
        </label>
        <label>
          Value
          <input required name="config_value" value={value} onInput={(event) => setValue(event.currentTarget.value)} />
        </label>
        <button type="submit">Set config</button>
      </form>
      {status ? (
        <p role="status" class={status.ok ? 'ok' : 'error'}>
          {status.text}
        </p>
      ) : null}
    </>
  );
}
