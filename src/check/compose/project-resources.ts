// The volume and network creates `docker-compose up` sends before any container: every declared volume
// that is not external (`driver`, `driver_opts` as text, labels with Compose's own), and every network a
// service joins that is not external (the project's `default` one included when a service uses it), with
// Compose's CheckDuplicate and Attachable. Each body field is located at the key that set it.
import type { CheckedRequest } from '../checked-request.js';
import { COMPOSE_VERSION, serviceNetworks } from './service-container.js';
import { networkEngineName, resourceNaming, volumeEngineName, type ComposeProject, type ProjectResource } from './compose-project.js';
import { FieldLocations } from './field-locations.js';
import { LocatedReader, pythonText } from './located-values.js';

function stringMap(reader: LocatedReader, key: string, field: string, where: FieldLocations): Record<string, string> | undefined {
  const entries = reader.dictOrList(key, (item) => {
    const at = item.indexOf('=');
    return at < 0 ? [item, ''] : [item.slice(0, at), item.slice(at + 1)];
  });
  if (entries === undefined) return undefined;
  where.set(field, reader.entry(key)!.key);
  const out: Record<string, string> = {};
  for (const [name, { value, node }] of entries) {
    out[name] = value === null ? 'None' : pythonText(value);
    where.set(`${field}.${name}`, node.at);
  }
  return out;
}

/** The body's Name (the engine's name of the resource) and Driver, as both creates begin. */
function namedBody(r: LocatedReader, name: string, where: FieldLocations): Record<string, unknown> {
  const body: Record<string, unknown> = { Name: name };
  const custom = r.entry('name');
  if (custom !== undefined) where.set('Name', custom.key);
  const driver = r.string('driver');
  if (driver !== undefined) {
    body['Driver'] = driver;
    where.set('Driver', r.entry('driver')!.key);
  }
  return body;
}

/** A network's `ipam:` as docker-py's IPAMConfig writes it: the driver (`default` when none), a pool per `config` item, options when given. */
function ipamConfig(ipam: LocatedReader, where: FieldLocations): Record<string, unknown> {
  const pools = ipam.entry('config')?.value;
  const config = (pools?.kind === 'seq' ? pools.items : []).map((item) => {
    const pool = item.kind === 'map' ? new LocatedReader(`${ipam.where}.config`, item) : undefined;
    return { Subnet: pool?.string('subnet') ?? null, IPRange: pool?.string('ip_range') ?? null, Gateway: pool?.string('gateway') ?? null, AuxiliaryAddresses: null };
  });
  const options = stringMap(ipam, 'options', 'IPAM.Options', where);
  return { Driver: ipam.string('driver') || 'default', Config: config, ...(options !== undefined && { Options: options }) };
}

function create(kind: 'volume' | 'network', apiVersion: string, resource: ProjectResource, body: Record<string, unknown>, where: FieldLocations): CheckedRequest {
  return {
    subject: `${kind} ${resource.name}`,
    method: 'POST',
    path: `/v${apiVersion}/${kind}s/create`,
    body,
    location: resource.key,
    locate: (field) => where.locate(field),
  };
}

/** Creates of the project's own volumes, in the order they are declared. */
export function volumeCreateRequests(project: ComposeProject, apiVersion: string): CheckedRequest[] {
  const out: CheckedRequest[] = [];
  for (const volume of project.volumes.values()) {
    if (resourceNaming(volume, 'volume').external) continue;
    const where = new FieldLocations(volume.key);
    const r = new LocatedReader(`volumes.${volume.name}`, volume.config);
    const body = namedBody(r, volumeEngineName(project, volume), where);
    const options = stringMap(r, 'driver_opts', 'DriverOpts', where);
    if (options !== undefined) body['DriverOpts'] = options;
    const labels = stringMap(r, 'labels', 'Labels', where) ?? {};
    body['Labels'] = {
      ...labels,
      'com.docker.compose.project': project.name,
      'com.docker.compose.volume': resourceNaming(volume, 'volume').customName ?? volume.name,
      'com.docker.compose.version': COMPOSE_VERSION,
    };
    out.push(create('volume', apiVersion, volume, body, where));
  }
  return out;
}

/** Creates of the networks the project's services join and that are not external, in the order services name them. */
export function networkCreateRequests(project: ComposeProject, apiVersion: string): CheckedRequest[] {
  if (project.format === 1) return [];
  const used = new Map<string, ProjectResource>();
  for (const service of project.services) {
    for (const network of serviceNetworks(new LocatedReader(`services.${service.name}`, service.config))) {
      if (used.has(network.name)) continue;
      used.set(network.name, project.networks.get(network.name) ?? { name: network.name, key: service.key, config: { kind: 'map', entries: new Map(), at: service.key } });
    }
  }
  const out: CheckedRequest[] = [];
  for (const network of used.values()) {
    if (resourceNaming(network, 'network').external) continue;
    const where = new FieldLocations(network.key);
    const r = new LocatedReader(`networks.${network.name}`, network.config);
    const body = namedBody(r, networkEngineName(project, network.name), where);
    const options = stringMap(r, 'driver_opts', 'Options', where);
    if (options !== undefined) body['Options'] = options;
    const ipam = r.mapping('ipam');
    if (ipam !== undefined) {
      body['IPAM'] = ipamConfig(ipam, where);
      where.set('IPAM', r.entry('ipam')!.key);
    }
    body['CheckDuplicate'] = true;
    const labels = stringMap(r, 'labels', 'Labels', where) ?? {};
    body['Labels'] = {
      ...labels,
      'com.docker.compose.project': project.name,
      'com.docker.compose.network': resourceNaming(network, 'network').customName ?? network.name,
      'com.docker.compose.version': COMPOSE_VERSION,
    };
    if (r.boolean('enable_ipv6') === true) {
      body['EnableIPv6'] = true;
      where.set('EnableIPv6', r.entry('enable_ipv6')!.key);
    }
    if (r.boolean('internal') === true) {
      body['Internal'] = true;
      where.set('Internal', r.entry('internal')!.key);
    }
    body['Attachable'] = true;
    out.push(create('network', apiVersion, network, body, where));
  }
  return out;
}
