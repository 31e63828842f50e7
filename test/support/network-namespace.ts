// A network namespace made for one test file, joined to this one by a veth pair: what a container on a
// compose network looks like from the host (its own interface, a private subnet, the host at .1), so that
// a gateway run inside it (`ip netns exec`) listens where it would in a container, and test traffic stays
// on a network made inside the sandbox. Removed at teardown and at exit.
import { execFileSync } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { networkInterfaces } from 'node:os';
import { onProcessExit } from './cleanup-on-exit.js';

export interface NetworkNamespace {
  name: string;
  /** The interface inside the namespace (its `eth0`). */
  inside: string;
  /** The namespace's address on the shared /24, and the host's (the "bridge gateway"). */
  address: string;
  hostAddress: string;
  /** The shared network, as allow= writes it. */
  subnet: string;
  /** An address of the host outside that network, which reaches the namespace through its default route. */
  outsideAddress: string;
  remove(): void;
}

function ip(...args: string[]): void {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

/** Two /24s in 10.200.0.0/13 that no interface of this host uses. */
function freeSubnets(): [string, string] {
  const used = Object.values(networkInterfaces())
    .flat()
    .map((entry) => entry?.address ?? '');
  for (;;) {
    const second = 200 + randomInt(8);
    const third = randomInt(254);
    const pair: [string, string] = [`10.${second}.${third}`, `10.${second}.${third + 1}`];
    if (!used.some((address) => pair.some((prefix) => address.startsWith(`${prefix}.`)))) return pair;
  }
}

export function makeNetworkNamespace(): NetworkNamespace {
  const tag = `${process.pid % 100_000}${randomInt(100)}`;
  const name = `dgcompat-${tag}`;
  const host = `dgc${tag}h`;
  const inside = `dgc${tag}n`;
  const [shared, outside] = freeSubnets();
  let removed = false;
  const remove = (): void => {
    if (removed) return;
    removed = true;
    for (const args of [
      ['link', 'del', host],
      ['netns', 'del', name],
    ]) {
      try {
        ip(...args);
      } catch {
        // already gone
      }
    }
  };
  const cancel = onProcessExit(remove);
  try {
    ip('netns', 'add', name);
    ip('link', 'add', host, 'type', 'veth', 'peer', 'name', inside);
    ip('link', 'set', inside, 'netns', name);
    ip('addr', 'add', `${shared}.1/24`, 'dev', host);
    ip('addr', 'add', `${outside}.1/24`, 'dev', host);
    ip('link', 'set', host, 'up');
    ip('-n', name, 'addr', 'add', `${shared}.2/24`, 'dev', inside);
    ip('-n', name, 'link', 'set', inside, 'up');
    ip('-n', name, 'link', 'set', 'lo', 'up');
    ip('-n', name, 'route', 'add', 'default', 'via', `${shared}.1`);
  } catch (err) {
    remove();
    cancel();
    throw new Error(`cannot make the test network namespace (needs root and ip from iproute2): ${(err as Error).message}`);
  }
  return {
    name,
    inside,
    address: `${shared}.2`,
    hostAddress: `${shared}.1`,
    subnet: `${shared}.0/24`,
    outsideAddress: `${outside}.1`,
    remove: () => {
      remove();
      cancel();
    },
  };
}
