import { useState } from 'preact/hooks';
import { api, type OffsetReset, type OffsetResetAnswer, type PartitionLag } from '../api.ts';
import { useLoad } from '../load.tsx';

interface ResetForm {
  to: OffsetReset['to'];
  /** datetime-local text, read in the browser's time zone. */
  timestamp: string;
  offset: string;
  /** '' for every topic the group committed. */
  topic: string;
}

function request(form: ResetForm, validateOnly: boolean): OffsetReset {
  return {
    to: form.to,
    ...(form.to === 'TIMESTAMP' ? { timestamp: new Date(form.timestamp).toISOString() } : {}),
    ...(form.to === 'OFFSET' ? { offset: Number(form.offset) } : {}),
    ...(form.topic === '' ? {} : { topics: [{ topic_name: form.topic }] }),
    validate_only: validateOnly,
  };
}

/**
 * Resets the group's committed offsets as kafka-consumer-groups --reset-offsets does: a dry run
 * first shows the new offsets, and only that plan can be applied (changing the form drops it).
 * The server refuses while the group has members; its message is shown as it is.
 */
export function OffsetResetForm({ group, lags, applied }: { group: string; lags: readonly PartitionLag[]; applied: () => void }) {
  const topics = useLoad(() => api.topics(), []);
  const [form, setForm] = useState<ResetForm>({ to: 'EARLIEST', timestamp: '', offset: '0', topic: '' });
  const [plan, setPlan] = useState<OffsetResetAnswer | undefined>();
  const [status, setStatus] = useState<{ ok: boolean; text: string } | undefined>();
  const change = (patch: Partial<ResetForm>) => {
    setForm({ ...form, ...patch });
    setPlan(undefined);
  };
  const dryRun = async (event: Event) => {
    event.preventDefault();
    setPlan(undefined);
    try {
      setPlan(await api.resetOffsets(group, request(form, true)));
      setStatus(undefined);
    } catch (error) {
      setStatus({ ok: false, text: `Could not plan the reset: ${(error as Error).message}` });
    }
  };
  const apply = async () => {
    try {
      const done = await api.resetOffsets(group, request(form, false));
      setPlan(undefined);
      setStatus({ ok: true, text: `Reset the offsets of ${done.data.length} partitions of group ${group}.` });
      applied();
    } catch (error) {
      setStatus({ ok: false, text: `Could not reset the offsets: ${(error as Error).message}` });
    }
  };
  const committed = new Map(lags.map((lag) => [`${lag.topic_name}:${lag.partition_id}`, lag.current_offset]));
  return (
    <section aria-labelledby="offset-reset">
      <h2 id="offset-reset">Reset offsets</h2>
      <p class="muted">Only while the group has no members, as Kafka's kafka-consumer-groups tool allows.</p>
      <form class="inline" onSubmit={dryRun}>
        <label>
          Reset to
          <select value={form.to} onChange={(event) => change({ to: event.currentTarget.value as ResetForm['to'] })}>
            <option value="EARLIEST">the earliest offset</option>
            <option value="LATEST">the latest offset</option>
            <option value="TIMESTAMP">the first offset at a time</option>
            <option value="OFFSET">an offset</option>
          </select>
        </label>
        {form.to === 'TIMESTAMP' ? (
          <label>
            Reset time
            <input
              type="datetime-local"
              step={1}
              required
              value={form.timestamp}
              onInput={(event) => change({ timestamp: event.currentTarget.value })}
            />
          </label>
        ) : null}
        {form.to === 'OFFSET' ? (
          <label>
            Reset offset
            <input type="number" min={0} required value={form.offset} onInput={(event) => change({ offset: event.currentTarget.value })} />
          </label>
        ) : null}
        <label>
          Topics to reset
          <select value={form.topic} onChange={(event) => change({ topic: event.currentTarget.value })}>
            <option value="">every committed topic</option>
            {(topics.data ?? [])
              .filter((topic) => !topic.is_internal)
              .map((topic) => topic.topic_name)
              .sort()
              .map((name) => (
                <option key={name} value={name}>
                  {name}
                </option>
              ))}
          </select>
        </label>
        <button type="submit">Dry run</button>
      </form>
      {plan ? (
        <>
          <table aria-label="New offsets">
            <thead>
              <tr>
                <th scope="col">Topic</th>
                <th scope="col" class="number">
                  Partition
                </th>
                <th scope="col" class="number">
                  Committed offset
                </th>
                <th scope="col" class="number">
                  New offset
                </th>
              </tr>
            </thead>
            <tbody>
              {plan.data.map((row) => (
                <tr key={`${row.topic_name}-${row.partition_id}`}>
                  <td>{row.topic_name}</td>
                  <td class="number">{row.partition_id}</td>
                  <td class="number">{committed.get(`${row.topic_name}:${row.partition_id}`) ?? '—'}</td>
                  <td class="number">{row.offset}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <p class="toolbar">
            <button type="button" onClick={apply}>
              Apply the reset
            </button>
          </p>
        </>
      ) : null}
      {status ? (
        <p role="status" class={status.ok ? 'ok' : 'error'}>
          {status.text}
        </p>
      ) : null}
    </section>
  );
}
