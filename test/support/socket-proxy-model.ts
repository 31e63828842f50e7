// docker-socket-proxy's HAProxy rules, written again for tests from their configuration files as
// docs/socket-proxy-compat-research.md reads them (§1.2-§1.4; Tecnativa haproxy.cfg:46-80, LinuxServer
// root/templates/haproxy.cfg:28-103): what each image lets through for a method and a path, on its own
// terms (prefix regexes on the percent-decoded path, case-insensitive, first allow or deny wins). It is
// independent of src/policy/socket-proxy-policy.ts, which grants operations; the matrix test compares the two.
// Of Podman's /libpod rules only LinuxServer's two defaults are kept (LIBPOD_PING=1, LIBPOD_VERSION=1,
// L:Dockerfile:67-91, allowed at L:87-101): no other LIBPOD_* variable is on in the tests.

export type Flavour = 'tecnativa' | 'linuxserver';
export type On = (variable: string) => boolean;

const VERSION = '(/v[\\d.]+)?';
const ID = '[a-zA-Z0-9_.-]+';

/** The section variables in file order (alphabetical, as both files list them). */
const SECTIONS: ReadonlyArray<[string, string]> = [
  ['AUTH', 'auth'],
  ['BUILD', 'build'],
  ['COMMIT', 'commit'],
  ['CONFIGS', 'configs'],
  ['CONTAINERS', 'containers'],
  ['DISTRIBUTION', 'distribution'],
  ['EVENTS', 'events'],
  ['EXEC', 'exec'],
  ['GRPC', 'grpc'],
  ['IMAGES', 'images'],
  ['INFO', 'info'],
  ['NETWORKS', 'networks'],
  ['NODES', 'nodes'],
  ['PING', '_ping'],
  ['PLUGINS', 'plugins'],
  ['SECRETS', 'secrets'],
  ['SERVICES', 'services'],
  ['SESSION', 'session'],
  ['SWARM', 'swarm'],
  ['SYSTEM', 'system'],
  ['TASKS', 'tasks'],
  ['VERSION', 'version'],
  ['VOLUMES', 'volumes'],
];

function matches(pattern: string, path: string): boolean {
  return new RegExp(`^${VERSION}${pattern}`, 'i').test(path);
}

/** What HAProxy's `path,url_dec` gives: the path without the query, percent-decoded (`+` kept). */
function decodedPath(target: string): string {
  const path = target.split('?')[0]!;
  return path.replace(/%([0-9a-fA-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

/** The verdict of the image's rules for one request. */
export function proxyAllows(flavour: Flavour, on: On, method: string, target: string): boolean {
  const path = decodedPath(target);
  const getOrHead = method === 'GET' || method === 'HEAD';
  const container = flavour === 'tecnativa' ? `/containers/${ID}/` : `(/libpod)?/(containers|pods)/${ID}/`;
  if (flavour === 'linuxserver') {
    // L:31-41: deny the sub-paths whose ALLOW_* flag is off, before any allow.
    const gates: ReadonlyArray<[string, string]> = [
      ['ALLOW_ARCHIVE', 'archive'],
      ['ALLOW_CHANGES', 'change'],
      ['ALLOW_EXPORT', 'export'],
      ['ALLOW_LOGS', 'logs'],
      ['ALLOW_TOP', 'top'],
    ];
    for (const [variable, segment] of gates) if (!on(variable) && matches(`${container}${segment}`, path)) return false;
  }
  const actions: ReadonlyArray<readonly [string, string]> = [
    ['ALLOW_RESTARTS', '((stop)|(restart)|(kill))'],
    ['ALLOW_START', 'start'],
    ['ALLOW_STOP', 'stop'],
    ...(flavour === 'linuxserver'
      ? ([
          ['ALLOW_PAUSE', 'pause'],
          ['ALLOW_UNPAUSE', 'unpause'],
        ] as const)
      : []),
  ];
  // T:48: the POST gate comes first in Tecnativa's file; L:61 after the ALLOW_* allows in LinuxServer's.
  if (flavour === 'tecnativa' && !getOrHead && !on('POST')) return false;
  for (const [variable, action] of actions) if (on(variable) && matches(`${container}${action}`, path)) return true;
  if (flavour === 'linuxserver' && !getOrHead && !on('POST')) return false;
  for (const [variable, section] of SECTIONS) if (on(variable) && matches(`/${section}`, path)) return true;
  if (flavour === 'linuxserver' && (matches('/libpod/_ping', path) || matches('/libpod/version', path))) return true;
  return false;
}
