// Which `Host` header values a plain-HTTP listener answers to: its defence against DNS rebinding, where a
// web page re-points its own name at the listener's address and then sends that name as Host.
//  - On loopback (`--insecure-listen-loopback`): an exact list of `name:port` (defaults for the local CLI).
//  - On a container network (`--insecure-listen`): what compose clients send, which the operator cannot list
//    ahead of time (`Host: socket-proxy:2375`, the service name; `Host: 172.18.0.5:2375`): any single-label
//    name and any IP literal, with any port (a published port maps it elsewhere). A rebinding page's name is
//    a registrable domain, so it has a dot: dotted names pass only when listed (`hosts=proxy.internal`).
import { isIP } from 'node:net';

export interface HostNames {
  /** Whether a Host header value (lower case) is one of the listener's names. */
  accepts(host: string): boolean;
  /** What is accepted, for refusals. */
  readonly accepted: string;
  /** A Host a client could connect with, for refusals' fixes. */
  readonly example: string;
}

export function exactHostNames(hosts: readonly string[]): HostNames {
  const allowed = new Set(hosts.map((h) => h.toLowerCase()));
  return { accepts: (host) => allowed.has(host), accepted: [...allowed].join(', '), example: [...allowed][0] ?? '127.0.0.1:PORT' };
}

/**
 * The Host rule of the admin listener's live view (src/view/): the loopback names, `127.0.0.1`, `[::1]` and
 * `localhost`, with the listener's port, or with any port on a unix socket (reached through a forwarded port,
 * `ssh -L`, whose number the gateway cannot know). A rebinding page sends its own, dotted, name: never these.
 */
export function loopbackHostNames(port: number | undefined): HostNames {
  const names = ['127.0.0.1', '[::1]', 'localhost'];
  if (port !== undefined) return exactHostNames(names.map((name) => `${name}:${port}`));
  return {
    accepts: (host) => names.some((name) => host === name || (host.startsWith(`${name}:`) && /^\d{1,5}$/.test(host.slice(name.length + 1)))),
    accepted: `${names.join(', ')}, with any port`,
    example: 'localhost:PORT',
  };
}

/** A DNS label as compose service and container names are (docker's DNS answers underscores too). */
const SINGLE_LABEL = /^[a-z0-9]([a-z0-9_-]{0,61}[a-z0-9])?$/;
/** A dotted name as `hosts=` lists it. */
export const DOTTED_NAME = /^[a-z0-9]([a-z0-9_-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9_-]*[a-z0-9])?)+$/;

/** `name[:port]` or `[v6][:port]` → the name or address, without the port; undefined when malformed. */
function hostPart(host: string): string | undefined {
  const bracketed = /^\[([0-9a-f:.]+)\](?::\d{1,5})?$/.exec(host);
  if (bracketed) return isIP(bracketed[1]!) === 6 ? bracketed[1] : undefined;
  const plain = /^([^:[\]]+)(?::\d{1,5})?$/.exec(host);
  return plain?.[1];
}

/** The Host rule of a listener on a container network: single labels, IP literals, and the dotted `listed` names. */
export function containerNetworkHostNames(listed: readonly string[], port: number): HostNames {
  const names = new Set(listed.map((name) => name.toLowerCase()));
  return {
    accepts(host) {
      const name = hostPart(host);
      if (name === undefined) return false;
      return isIP(name) !== 0 || SINGLE_LABEL.test(name) || names.has(name);
    },
    accepted: `a single-label name such as socket-proxy:${port}, an IP address${names.size > 0 ? `, or ${[...names].join(', ')}` : ''}`,
    example: `socket-proxy:${port}`,
  };
}
