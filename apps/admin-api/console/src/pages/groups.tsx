import { api, isNotFound, type LagSummary } from '../api.ts';
import { Section, useLoad } from '../load.tsx';
import { OffsetResetForm } from './offset-reset.tsx';

/** The consumer groups with their state and total lag. */
export function GroupsPage() {
  const groups = useLoad(async () => {
    const list = await api.groups();
    return Promise.all(
      list.map(async (group) => ({
        group,
        // A group that has committed nothing has no lag summary (v3 answers 404).
        summary: await api.lagSummary(group.consumer_group_id).catch((error: unknown): LagSummary | undefined => {
          if (isNotFound(error)) return undefined;
          throw error;
        }),
      })),
    );
  }, []);
  return (
    <>
      <h1>Consumer groups</h1>
      <Section loaded={groups} label="consumer groups">
        {(list) =>
          list.length === 0 ? (
            <p>No consumer groups.</p>
          ) : (
            <table aria-label="Consumer groups">
              <thead>
                <tr>
                  <th scope="col">Group</th>
                  <th scope="col">State</th>
                  <th scope="col">Assignor</th>
                  <th scope="col" class="number">
                    Total lag
                  </th>
                  <th scope="col">Most lagging partition</th>
                </tr>
              </thead>
              <tbody>
                {list
                  .sort((a, b) => a.group.consumer_group_id.localeCompare(b.group.consumer_group_id))
                  .map(({ group, summary }) => (
                    <tr key={group.consumer_group_id}>
                      <td>
                        <a href={`#/groups/${encodeURIComponent(group.consumer_group_id)}`}>{group.consumer_group_id}</a>
                      </td>
                      <td>{group.state}</td>
                      <td>{group.partition_assignor || '—'}</td>
                      <td class="number">{summary ? summary.total_lag : '—'}</td>
                      <td>
                        {summary
                          ? `${summary.max_lag_topic_name}-${summary.max_lag_partition_id} (${summary.max_lag})`
                          : 'no committed offsets'}
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

/** One group: members with their assignment, lag per partition, and an offset reset. */
export function GroupPage({ id }: { id: string }) {
  const group = useLoad(() => api.group(id), [id]);
  const members = useLoad(async () => {
    const consumers = await api.consumers(id);
    return Promise.all(consumers.map(async (consumer) => ({ consumer, assignments: await api.assignments(id, consumer.consumer_id) })));
  }, [id]);
  const lags = useLoad(
    () =>
      api.lags(id).catch((error: unknown) => {
        if (isNotFound(error)) return [];
        throw error;
      }),
    [id],
  );
  return (
    <>
      <h1>Consumer group {id}</h1>
      <Section loaded={group} label="the group">
        {(g) => (
          <p>
            State <strong>{g.state}</strong>
            {g.partition_assignor ? `, assignor ${g.partition_assignor}` : ''}
          </p>
        )}
      </Section>
      <h2>Members</h2>
      <Section loaded={members} label="members">
        {(list) =>
          list.length === 0 ? (
            <p>No members.</p>
          ) : (
            <table aria-label="Members">
              <thead>
                <tr>
                  <th scope="col">Member</th>
                  <th scope="col">Client</th>
                  <th scope="col">Instance</th>
                  <th scope="col">Assigned partitions</th>
                </tr>
              </thead>
              <tbody>
                {list.map(({ consumer, assignments }) => (
                  <tr key={consumer.consumer_id}>
                    <td>
                      <code>{consumer.consumer_id}</code>
                    </td>
                    <td>{consumer.client_id}</td>
                    <td>{consumer.instance_id ?? '—'}</td>
                    <td>
                      {assignments
                        .toSorted((a, b) => a.topic_name.localeCompare(b.topic_name) || a.partition_id - b.partition_id)
                        .map((a) => `${a.topic_name}-${a.partition_id}`)
                        .join(', ') || '—'}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )
        }
      </Section>
      <h2>Lag per partition</h2>
      <Section loaded={lags} label="lags">
        {(list) =>
          list.length === 0 ? (
            <p>The group has committed no offsets.</p>
          ) : (
            <table aria-label="Lag per partition">
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
                    Log end offset
                  </th>
                  <th scope="col" class="number">
                    Lag
                  </th>
                  <th scope="col">Member</th>
                </tr>
              </thead>
              <tbody>
                {list.map((lag) => (
                  <tr key={`${lag.topic_name}-${lag.partition_id}`}>
                    <td>{lag.topic_name}</td>
                    <td class="number">{lag.partition_id}</td>
                    <td class="number">{lag.current_offset}</td>
                    <td class="number">{lag.log_end_offset}</td>
                    <td class="number">{lag.lag}</td>
                    <td>{lag.client_id || '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )
        }
      </Section>
      <OffsetResetForm
        group={id}
        lags={lags.data ?? []}
        applied={() => {
          group.reload();
          lags.reload();
        }}
      />
    </>
  );
}
