// Who is asking: the identity of the peer on one connection, computed once per connection.
// Policies select on these fields and every audit record carries them.

export interface UnixPeer {
  kind: 'unix';
  /** The listener the connection arrived on, as given on the command line (`unix:///run/dockgate.sock`). */
  listener: string;
  uid: number;
  gid: number;
  pid: number;
  /** Names resolved through the host's user database; absent when the id has no name. */
  user?: string;
  group?: string;
  /** The container the peer runs in (src/identify/container-peer.ts), when its cgroup names one the engine knows. */
  container?: ContainerIdentity;
  /** Why no container was taken when the peer's cgroup could not be read safely (its pid reused, the peer gone) or the engine could not be asked. */
  noContainer?: string;
}

/** A container as the engine's inspect describes it, for policies (`match: { container: ... }`) and records. */
export interface ContainerIdentity {
  /** Full 64-hex id. */
  id: string;
  /** Without the engine's leading `/`. */
  name: string;
  /** The image as the container was created from it (`Config.Image`, e.g. `traefik:v3`), not its digest. */
  image: string;
  labels: Readonly<Record<string, string>>;
  /** From the labels com.docker.compose.project and com.docker.compose.service, when Compose made the container. */
  composeProject?: string;
  composeService?: string;
}

export interface TlsPeer {
  kind: 'tls';
  listener: string;
  /** Remote address and port as seen on accept. */
  address: string;
  cn?: string;
  o: string[];
  ou: string[];
  /** Subject alternative names as `DNS:name`, `IP:addr`, `email:x`, `URI:x`. */
  san: string[];
  /** SHA-256 fingerprint of the client certificate, upper-case hex with colons (as Node prints it). */
  fingerprint: string;
  serial: string;
}

export interface TcpPeer {
  kind: 'tcp';
  listener: string;
  address: string;
}

export type Identity = UnixPeer | TlsPeer | TcpPeer;

/** A short human label for logs: `uid=1000(alice)`, `cn=alice`, `tcp 127.0.0.1:5123`. */
export function describeIdentity(id: Identity): string {
  switch (id.kind) {
    case 'unix':
      return `uid=${id.uid}${id.user ? `(${id.user})` : ''} gid=${id.gid}${id.group ? `(${id.group})` : ''} pid=${id.pid}${id.container ? ` container=${id.container.name}` : ''}`;
    case 'tls':
      return `cn=${id.cn ?? '?'}${id.o.length ? ` o=${id.o.join(',')}` : ''}${id.ou.length ? ` ou=${id.ou.join(',')}` : ''}`;
    case 'tcp':
      return `tcp ${id.address}`;
  }
}
