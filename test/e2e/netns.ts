import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/**
 * A private test network of Linux network namespaces: one bridge in the root namespace holding
 * the network's first address (the root namespace's services listen there), and one namespace
 * per host, joined to the bridge by a veth pair. Partitioning a host takes its bridge-side link
 * down; healing brings it up. Needs root and iproute2: `requireNetworkNamespaces()` says why not.
 */
export interface TestNetwork {
  /** The bridge's address, e.g. 10.77.0.1: where hosts reach the root namespace. */
  readonly gateway: string;
  readonly hosts: readonly TestHost[];
  /** Cuts a host off: its link to the bridge goes down, in both directions. */
  isolate(host: TestHost): void;
  heal(host: TestHost): void;
  /** Removes every namespace and link this network made; safe to call more than once. */
  destroy(): void;
}

export interface TestHost {
  readonly namespace: string;
  readonly address: string;
  /** The command prefix that runs a program inside the host's namespace. */
  readonly exec: string[];
  /** The bridge-side end of the host's veth pair. */
  readonly link: string;
}

const IP = ['/usr/sbin/ip', '/sbin/ip', '/usr/bin/ip', '/bin/ip'].find((path) => existsSync(path));

function ip(...args: string[]): string {
  return execFileSync(IP!, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Throws, saying why, when this machine cannot make network namespaces. */
export function requireNetworkNamespaces(): void {
  if (IP === undefined)
    throw new Error('the network partition test needs iproute2 (`ip`), which is not installed: apt-get install -y iproute2');
  if (process.getuid?.() !== 0)
    throw new Error(`the network partition test needs root to make network namespaces (uid ${process.getuid?.()})`);
}

/**
 * Makes the network `<prefix>.0/24`: the bridge `<name>br` at `<prefix>.1`, and hosts
 * `<name><i>` at `<prefix>.<10 + i>`. Leftovers of an earlier run with the same name are
 * removed first. Names stay within the kernel's 15 characters for links.
 */
export function createTestNetwork(name: string, prefix: string, hostCount: number): TestNetwork {
  requireNetworkNamespaces();
  const bridge = `${name}br`;
  const hosts: TestHost[] = Array.from({ length: hostCount }, (_, i) => {
    const namespace = `${name}${i + 1}`;
    return { namespace, address: `${prefix}.${11 + i}`, exec: [IP!, 'netns', 'exec', namespace], link: `${name}${i + 1}b` };
  });
  const namespaceExists = (namespace: string) =>
    ip('netns', 'list')
      .split('\n')
      .some((line) => line.split(' ')[0] === namespace);
  const destroy = () => {
    // Deleting a namespace deletes its veth pair a moment later: a link may vanish between the
    // look and the delete, so a delete may find nothing; what counts is that nothing is left.
    for (const host of hosts) {
      if (namespaceExists(host.namespace)) removeQuietly('netns', 'del', host.namespace);
      if (linkExists(host.link)) removeQuietly('link', 'del', host.link);
    }
    if (linkExists(bridge)) removeQuietly('link', 'del', bridge);
    const left = [
      ...hosts.flatMap((host) => (namespaceExists(host.namespace) ? [host.namespace] : [])),
      ...(linkExists(bridge) ? [bridge] : []),
    ];
    if (left.length > 0) throw new Error(`could not remove the test network's ${left.join(', ')}`);
  };
  destroy();
  try {
    ip('link', 'add', bridge, 'type', 'bridge');
    ip('addr', 'add', `${prefix}.1/24`, 'dev', bridge);
    ip('link', 'set', bridge, 'up');
    for (const host of hosts) {
      ip('netns', 'add', host.namespace);
      ip('link', 'add', host.link, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', host.namespace);
      ip('link', 'set', host.link, 'master', bridge);
      ip('link', 'set', host.link, 'up');
      ip('-n', host.namespace, 'addr', 'add', `${host.address}/24`, 'dev', 'eth0');
      ip('-n', host.namespace, 'link', 'set', 'eth0', 'up');
      ip('-n', host.namespace, 'link', 'set', 'lo', 'up');
      ip('-n', host.namespace, 'route', 'add', 'default', 'via', `${prefix}.1`);
    }
  } catch (error) {
    destroy();
    throw new Error(`could not make the test network ${prefix}.0/24: ${(error as Error).message}`, { cause: error });
  }
  return {
    gateway: `${prefix}.1`,
    hosts,
    isolate: (host) => ip('link', 'set', host.link, 'down'),
    heal: (host) => ip('link', 'set', host.link, 'up'),
    destroy,
  };
}

function removeQuietly(...args: string[]): void {
  try {
    ip(...args);
  } catch (error) {
    if (!/Cannot find device|No such file/.test((error as { stderr?: string }).stderr ?? '')) throw error;
  }
}

function linkExists(link: string): boolean {
  try {
    ip('link', 'show', link);
    return true;
  } catch {
    return false;
  }
}
