/**
 * A process cannot start for a reason the operator must fix (a port in use, an address it may not
 * bind): the process prints the one-line message and exits 2, as for bad configuration.
 */
export class StartupError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StartupError';
  }
}

const LISTEN_FAILURES: Record<string, string> = {
  EADDRINUSE: 'address already in use',
  EACCES: 'permission denied',
  EADDRNOTAVAIL: 'address not available on this host',
};

/** A failed `listen` as a StartupError naming what could not listen where; other errors as they are. */
export function listenFailure(error: unknown, what: string, host: string, port: number): unknown {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const reason = code === undefined ? undefined : LISTEN_FAILURES[code];
  if (reason === undefined) return error;
  return new StartupError(`${what}: cannot listen on ${host.includes(':') ? `[${host}]` : host}:${port}: ${reason}`, { cause: error });
}
