// A service's `ports:` and `expose:` as Compose 1.29 sends them: each port spec read as docker-py reads it
// (`[[HOST_IP:]HOST_PORT[-END]:]PORT[-END][/PROTOCOL]`, ranges expanded port by port, a host range for one
// container port kept whole), or the long syntax (`target`, `published`, `protocol`); `ExposedPorts` for
// every container port, `HostConfig.PortBindings` keyed `PORT/PROTOCOL` with a binding for every port: one
// given without a host port still is, with an empty HostPort, which the engine publishes on a random port.
import { ComposeFileError } from './compose-file-error.js';
import type { FieldLocations } from './field-locations.js';
import type { LocatedNode } from './located-yaml.js';
import { LocatedReader } from './located-values.js';

const PORT_SPEC = /^((\[?(?<host>[a-fA-F\d.:]+)\]?:)?(?<ext>\d*)(-(?<extEnd>\d+))?:)?(?<int>\d+)(-(?<intEnd>\d+))?(?<proto>\/(udp|tcp|sctp))?$/u;

export interface ServicePort {
  /** `80/tcp` */
  key: string;
  hostIp: string;
  hostPort: string;
  node: LocatedNode;
}

function range(start: string, end: string | undefined): number[] {
  const from = Number(start);
  const to = end === undefined ? from : Number(end);
  return Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => from + i);
}

/** One short-syntax spec as docker-py's split_port reads it. */
export function parsePortSpec(spec: string, node: LocatedNode): ServicePort[] {
  const match = PORT_SPEC.exec(spec);
  if (match?.groups === undefined) throw new ComposeFileError(node.at, `Invalid port "${spec}", should be [[remote_ip:]remote_port[-remote_port]:]port[/protocol]`);
  const { host, ext, extEnd, int, intEnd, proto } = match.groups;
  const protocol = proto === undefined ? 'tcp' : proto.slice(1);
  const internal = range(int!, intEnd);
  let external: (string | undefined)[] | undefined;
  if (ext !== undefined && ext !== '') external = extEnd !== undefined && internal.length === 1 ? [`${ext}-${extEnd}`] : range(ext, extEnd).map(String);
  else if (ext === '' && host === undefined) external = [];
  if (host !== undefined && (external === undefined || external.length === 0)) external = internal.map(() => undefined);
  if (external !== undefined && external.length !== internal.length) throw new ComposeFileError(node.at, `Invalid port "${spec}": Port ranges don't match in length`);
  return internal.map((port, i) => ({
    key: `${port}/${protocol}`,
    hostIp: host ?? '',
    hostPort: external?.[i] ?? '',
    node,
  }));
}

/** The exposed ports and bindings of a service, each binding located at its list item. */
export function servicePorts(r: LocatedReader, where: FieldLocations): { exposed?: Record<string, Record<string, never>>; bindings: Record<string, { HostIp: string; HostPort: string }[]> } {
  const ports: ServicePort[] = [];
  const entry = r.entry('ports');
  if (entry !== undefined) {
    if (entry.value.kind !== 'seq') r.invalid('ports', entry.value, 'an array');
    for (const item of entry.value.items) {
      if (item.kind === 'map') {
        r.onlyKeys('ports', item, ['mode', 'target', 'published', 'protocol']);
        const long = new LocatedReader(`${r.where}.ports`, item);
        const target = long.number('target');
        const published = long.entry('published');
        const value = published && long.scalarOf('published', published.value, ['number'], 'an integer').value;
        ports.push({ key: `${target ?? ''}/${long.string('protocol') ?? 'tcp'}`, hostIp: '', hostPort: value === undefined ? '' : String(value), node: item });
      } else if (item.kind === 'scalar' && (typeof item.value === 'string' || typeof item.value === 'number')) {
        ports.push(...parsePortSpec(String(item.value), item));
      } else {
        r.invalid('ports', item, 'a string, number or object');
      }
    }
  }
  const exposed: Record<string, Record<string, never>> = {};
  for (const port of ports) exposed[port.key] = {};
  for (const item of r.list('expose', ['string', 'number'], 'an array of strings or numbers') ?? []) {
    for (const port of parsePortSpec(String(item.value), item.node)) exposed[port.key] = {};
  }
  const bindings: Record<string, { HostIp: string; HostPort: string }[]> = {};
  for (const port of ports) {
    const list = (bindings[port.key] ??= []);
    list.push({ HostIp: port.hostIp, HostPort: port.hostPort });
    where.set(`HostConfig.PortBindings.${port.key}[${list.length - 1}]`, port.node.at);
    where.set(`HostConfig.PortBindings.${port.key}`, port.node.at);
  }
  if (entry !== undefined) where.set('HostConfig.PortBindings', entry.key);
  const anyExposed = Object.keys(exposed).length > 0;
  if (anyExposed) where.set('ExposedPorts', (entry ?? r.entry('expose'))!.key);
  return { ...((entry !== undefined || r.has('expose')) && { exposed }), bindings };
}
