import { useState } from 'preact/hooks';
import { api, type BrowsedRecord, type SearchAnswer } from '../api.ts';
import { download, plain, recordsCsv, recordsJson, showBytes, time, type ByteFormat } from '../format.ts';
import { Section, useLoad } from '../load.tsx';

type From = 'earliest' | 'end' | 'offset' | 'timestamp';

interface SearchForm {
  partition: string;
  from: From;
  offset: string;
  timestamp: string;
  filter: string;
  mode: 'substring' | 'regex';
  ignoreCase: boolean;
  fields: { key: boolean; value: boolean; headers: boolean };
  limit: number;
}

const INITIAL: SearchForm = {
  partition: 'all',
  from: 'earliest',
  offset: '0',
  timestamp: '',
  filter: '',
  mode: 'substring',
  ignoreCase: false,
  fields: { key: true, value: true, headers: true },
  limit: 100,
};

const STOPPED: Record<SearchAnswer['stopped_by'], string> = {
  end: 'read to the end of every partition',
  limit: 'stopped at the record limit',
  scan: 'stopped at the scan bound',
  bytes: 'stopped at the response size bound',
  time: 'stopped at the time bound',
};

/** The filter and bounds of the form as the search's query (the filter runs on the server). */
function query(form: SearchForm, cursor?: string): URLSearchParams {
  const params = new URLSearchParams({ limit: String(form.limit) });
  if (form.partition !== 'all') params.set('partition', form.partition);
  if (cursor) params.set('cursor', cursor);
  else {
    params.set('from', form.from);
    if (form.from === 'offset') params.set('offset', form.offset);
    if (form.from === 'timestamp') params.set('timestamp', new Date(form.timestamp).toISOString());
  }
  if (form.filter) {
    params.set('filter', form.filter);
    params.set('filter_mode', form.mode);
    if (form.mode === 'regex' && form.ignoreCase) params.set('ignore_case', 'true');
    params.set('fields', (Object.keys(form.fields) as (keyof SearchForm['fields'])[]).filter((field) => form.fields[field]).join(','));
  }
  return params;
}

const recordId = (record: BrowsedRecord) => `${record.partition}:${record.offset}`;

/** Reads a topic's records from an offset, a time or the end, filtered on the server; exports and replays them. */
export function BrowserPage({ topic }: { topic: string }) {
  const topics = useLoad(() => api.topics(), []);
  const [form, setForm] = useState<SearchForm>(INITIAL);
  const [answer, setAnswer] = useState<SearchAnswer | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [searching, setSearching] = useState(false);
  const [format, setFormat] = useState<ByteFormat>('auto');
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const [target, setTarget] = useState('');
  const [replayStatus, setReplayStatus] = useState<{ ok: boolean; text: string } | undefined>();
  const update = (change: Partial<SearchForm>) => setForm((current) => ({ ...current, ...change }));

  const search = async (cursor?: string) => {
    setSearching(true);
    setError(undefined);
    setReplayStatus(undefined);
    try {
      const found = await api.search(topic, query(form, cursor));
      setAnswer(found);
      setSelected(new Set());
    } catch (failure) {
      setError((failure as Error).message);
    } finally {
      setSearching(false);
    }
  };

  const replay = async () => {
    const records = (answer?.records ?? []).filter((record) => selected.has(recordId(record)));
    try {
      for (const record of records) await api.produce(target, record);
      setReplayStatus({ ok: true, text: `Replayed ${records.length} record${records.length === 1 ? '' : 's'} to ${target}.` });
    } catch (failure) {
      setReplayStatus({ ok: false, text: `Replay to ${target} failed: ${(failure as Error).message}` });
    }
  };

  const toggle = (id: string, on: boolean) =>
    setSelected((current) => {
      const next = new Set(current);
      if (on) next.add(id);
      else next.delete(id);
      return next;
    });

  const records = answer?.records ?? [];
  return (
    <>
      <h1>Messages{topic ? ` in ${topic}` : ''}</h1>
      <Section loaded={topics} label="topics">
        {(list) => (
          <label>
            Topic
            <select
              name="topic"
              value={topic}
              onChange={(event) => {
                setAnswer(undefined);
                location.hash = `#/browse/${encodeURIComponent(event.currentTarget.value)}`;
              }}
            >
              <option value="">Choose a topic</option>
              {list
                .map((t) => t.topic_name)
                .sort()
                .map((name) => (
                  <option key={name} value={name}>
                    {name}
                  </option>
                ))}
            </select>
          </label>
        )}
      </Section>
      {topic ? (
        <form
          onSubmit={(event) => {
            event.preventDefault();
            void search();
          }}
        >
          <fieldset>
            <legend>Where to start</legend>
            <label>
              Partition
              <input
                name="partition"
                value={form.partition}
                size={5}
                onInput={(event) => update({ partition: event.currentTarget.value.trim() || 'all' })}
              />
            </label>
            <label>
              From
              <select name="from" value={form.from} onChange={(event) => update({ from: event.currentTarget.value as From })}>
                <option value="earliest">the beginning</option>
                <option value="end">the end (latest records)</option>
                <option value="offset">an offset</option>
                <option value="timestamp">a time</option>
              </select>
            </label>
            {form.from === 'offset' ? (
              <label>
                Offset
                <input
                  name="offset"
                  inputMode="numeric"
                  value={form.offset}
                  onInput={(event) => update({ offset: event.currentTarget.value })}
                />
              </label>
            ) : null}
            {form.from === 'timestamp' ? (
              <label>
                Time
                <input
                  name="timestamp"
                  type="datetime-local"
                  step={1}
                  required
                  value={form.timestamp}
                  onInput={(event) => update({ timestamp: event.currentTarget.value })}
                />
              </label>
            ) : null}
            <label>
              Most records
              <input
                name="limit"
                type="number"
                min={1}
                max={1000}
                value={form.limit}
                onInput={(event) => update({ limit: Number(event.currentTarget.value) })}
              />
            </label>
          </fieldset>
          <fieldset>
            <legend>Filter (runs on the server)</legend>
            <label>
              Text
              <input name="filter" value={form.filter} onInput={(event) => update({ filter: event.currentTarget.value })} />
            </label>
            <label>
              Match
              <select
                name="filter_mode"
                value={form.mode}
                onChange={(event) => update({ mode: event.currentTarget.value as SearchForm['mode'] })}
              >
                <option value="substring">substring</option>
                <option value="regex">regular expression</option>
              </select>
            </label>
            {form.mode === 'regex' ? (
              <label class="check">
                <input
                  type="checkbox"
                  checked={form.ignoreCase}
                  onChange={(event) => update({ ignoreCase: event.currentTarget.checked })}
                />{' '}
                Ignore case
              </label>
            ) : null}
            {(['key', 'value', 'headers'] as const).map((field) => (
              <label class="check" key={field}>
                <input
                  type="checkbox"
                  name={`field-${field}`}
                  checked={form.fields[field]}
                  onChange={(event) => update({ fields: { ...form.fields, [field]: event.currentTarget.checked } })}
                />{' '}
                In {field}
              </label>
            ))}
          </fieldset>
          <button type="submit" disabled={searching}>
            {searching ? 'Searching…' : 'Search'}
          </button>
        </form>
      ) : null}
      {error ? (
        <p role="alert" class="error">
          Search failed: {error}
        </p>
      ) : null}
      {answer ? (
        <section aria-labelledby="results">
          <h2 id="results">Records</h2>
          <p role="status">
            {records.length} record{records.length === 1 ? '' : 's'} found, {answer.scanned_records.toLocaleString('en')} scanned in{' '}
            {answer.elapsed_ms} ms ({STOPPED[answer.stopped_by]}).
          </p>
          <div class="toolbar">
            {answer.cursor ? (
              <button type="button" onClick={() => void search(answer.cursor!)} disabled={searching}>
                Next page
              </button>
            ) : null}{' '}
            <label>
              Show keys and values as
              <select name="format" value={format} onChange={(event) => setFormat(event.currentTarget.value as ByteFormat)}>
                <option value="auto">JSON or text</option>
                <option value="json">JSON</option>
                <option value="text">text</option>
                <option value="hex">hex</option>
              </select>
            </label>
            <button
              type="button"
              disabled={records.length === 0}
              onClick={() => download(`${topic}.json`, 'application/json', recordsJson(records))}
            >
              Export JSON
            </button>{' '}
            <button type="button" disabled={records.length === 0} onClick={() => download(`${topic}.csv`, 'text/csv', recordsCsv(records))}>
              Export CSV
            </button>
          </div>
          <form
            class="inline"
            aria-label="Replay"
            onSubmit={(event) => {
              event.preventDefault();
              void replay();
            }}
          >
            <label>
              Replay to topic
              <select name="replay_target" required value={target} onChange={(event) => setTarget(event.currentTarget.value)}>
                <option value="">Choose a topic</option>
                {(topics.data ?? [])
                  .map((t) => t.topic_name)
                  .sort()
                  .map((name) => (
                    <option key={name} value={name}>
                      {name}
                    </option>
                  ))}
              </select>
            </label>
            <button type="submit" disabled={selected.size === 0 || target === ''}>
              Replay {selected.size} selected
            </button>
          </form>
          {replayStatus ? (
            <p role="status" class={replayStatus.ok ? 'ok' : 'error'}>
              {replayStatus.text}
            </p>
          ) : null}
          <table aria-label="Records">
            <thead>
              <tr>
                <th scope="col">
                  <input
                    type="checkbox"
                    aria-label="Select every record"
                    checked={records.length > 0 && selected.size === records.length}
                    onChange={(event) => setSelected(event.currentTarget.checked ? new Set(records.map(recordId)) : new Set())}
                  />
                </th>
                <th scope="col" class="number">
                  Partition
                </th>
                <th scope="col" class="number">
                  Offset
                </th>
                <th scope="col">Time</th>
                <th scope="col">Key</th>
                <th scope="col">Value</th>
                <th scope="col">Headers</th>
              </tr>
            </thead>
            <tbody>
              {records.map((record) => (
                <tr key={recordId(record)}>
                  <td>
                    <input
                      type="checkbox"
                      aria-label={`Select record ${record.partition}/${record.offset}`}
                      checked={selected.has(recordId(record))}
                      onChange={(event) => toggle(recordId(record), event.currentTarget.checked)}
                    />
                  </td>
                  <td class="number">{record.partition}</td>
                  <td class="number">{record.offset}</td>
                  <td>{time(record.timestamp)}</td>
                  <td>
                    <pre>{showBytes(record.key, format)}</pre>
                  </td>
                  <td>
                    <pre>{showBytes(record.value, format)}</pre>
                  </td>
                  <td>
                    {record.headers.map((header) => (
                      <div key={header.key}>
                        <code>{header.key}</code>: {plain(header.value) ?? 'null'}
                      </div>
                    ))}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      ) : null}
    </>
  );
}
