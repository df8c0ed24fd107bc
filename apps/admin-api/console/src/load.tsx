import { useCallback, useEffect, useState } from 'preact/hooks';
import type { ComponentChildren } from 'preact';

export interface Loaded<T> {
  readonly data: T | undefined;
  readonly error: Error | undefined;
  readonly loading: boolean;
  reload(): void;
}

/** Runs `load` when `keys` change (and on reload), keeping the last answer or error. */
export function useLoad<T>(load: () => Promise<T>, keys: readonly unknown[]): Loaded<T> {
  const [state, setState] = useState<{ data?: T; error?: Error; loading: boolean }>({ loading: true });
  const [generation, setGeneration] = useState(0);
  useEffect(() => {
    let current = true;
    setState((previous) => ({ ...previous, loading: true }));
    load().then(
      (data) => current && setState({ data, loading: false }),
      (error: unknown) => current && setState({ error: error as Error, loading: false }),
    );
    return () => {
      current = false;
    };
  }, [...keys, generation]);
  const reload = useCallback(() => setGeneration((n) => n + 1), []);
  return { data: state.data, error: state.error, loading: state.loading, reload };
}

/** A loaded section: a status line while loading, the error when it failed, else its content. */
export function Section<T>({ loaded, label, children }: { loaded: Loaded<T>; label: string; children: (data: T) => ComponentChildren }) {
  if (loaded.error)
    return (
      <p role="alert" class="error">
        Could not load {label}: {loaded.error.message}
      </p>
    );
  if (loaded.data === undefined) return <p role="status">Loading {label}…</p>;
  return <>{children(loaded.data)}</>;
}
