// Which container a process runs in, as its /proc/PID/cgroup names it. dockerd places every container in a
// cgroup of its own whose last segment carries the full 64-hex id:
//   cgroupfs driver (v1 and v2):  /docker/<id>, or <--cgroup-parent>/<id> (`/dockgate-test-x/<id>`)
//   systemd driver:               /system.slice/docker-<id>.scope (or <parent>.slice/docker-<id>.scope)
// A v1 file has a line per hierarchy (`4:memory:/docker/<id>`), a v2 file one line `0::/...`, a hybrid both.
// A process may sit in a child cgroup of its container (systemd inside it: `/docker-<id>.scope/init.scope`),
// and a container may run in another's (docker-in-docker: `/docker/<outer>/docker/<inner>`): the deepest
// segment that is a container's names it. The id found is only a candidate: the engine's inspect confirms it.

/** A cgroup path segment dockerd names after a container: `<id>` (cgroupfs) or `docker-<id>.scope` (systemd). */
const CONTAINER_SEGMENT = /^(?:docker-)?([0-9a-f]{64})(?:\.scope)?$/;

export type CgroupReading = { kind: 'container'; id: string } | { kind: 'none' } | { kind: 'ambiguous'; ids: string[] };

/** The container id the deepest container segment of one cgroup path names, if any. */
function containerInPath(path: string): string | undefined {
  const segments = path.split('/');
  for (let i = segments.length - 1; i >= 0; i--) {
    const id = CONTAINER_SEGMENT.exec(segments[i]!)?.[1];
    if (id !== undefined) return id;
  }
  return undefined;
}

/**
 * Reads the text of /proc/PID/cgroup. Every hierarchy that names a container must name the same one: a
 * process whose hierarchies disagree (moved by hand between containers' cgroups) is not taken for either.
 */
export function readContainerCgroup(text: string): CgroupReading {
  const ids = new Set<string>();
  for (const line of text.split('\n')) {
    // `hierarchy-id:controllers:path`; the path may itself hold colons, so split on the first two only.
    const first = line.indexOf(':');
    const second = first === -1 ? -1 : line.indexOf(':', first + 1);
    if (second === -1) continue;
    const id = containerInPath(line.slice(second + 1));
    if (id !== undefined) ids.add(id);
  }
  if (ids.size === 0) return { kind: 'none' };
  if (ids.size > 1) return { kind: 'ambiguous', ids: [...ids] };
  return { kind: 'container', id: [...ids][0]! };
}
