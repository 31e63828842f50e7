// The objects a container create names besides its image (docs/owners-design.md, section 5): containers
// it takes volumes from, joins the namespaces of or links to, named volumes it mounts and networks it
// attaches to. Each must be its owner's (or of a kind the rule shares). A missing container or network and
// another owner's are refused in the same words, so the refusal tells nothing the client's own lists would
// not; a volume that does not exist yet is left to the engine, which creates it (unlabelled: the design's
// Binds-to-Mounts rewrite is not built). The engine's built-in network modes name no owned network.
// Links go out by the full id checked: the engine would resolve the name again when it creates the container.
import { parseBindSpec } from '../reach/bind-spec.js';
import { isRecord, type ReachEngine } from '../reach/reach-context.js';
import type { BodyPin } from './body-pins.js';
import type { OwnerScope } from './owned-volumes-and-networks.js';
import { ownerIn } from './owner-label.js';

interface Reference {
  kind: 'container' | 'volume' | 'network';
  field: string;
  ref: string;
  /** For a link: its place in Links and the alias the engine gives it, kept when the link is pinned to the container's id. */
  link?: { index: number; alias: string };
}

/** HostConfig fields whose `container:NAME` joins another container's namespace. */
const JOINING_MODES = ['NetworkMode', 'PidMode', 'IpcMode', 'UTSMode', 'UsernsMode', 'CgroupnsMode'] as const;

/**
 * Network modes (and EndpointsConfig keys) that are the engine's own rather than a network an owner made:
 * the default network, no network, and the host's (which the reach judge decides). They are nobody's, and
 * every create may use them (docs/owners-design.md, section 1).
 */
const BUILT_IN_NETWORKS: ReadonlySet<string> = new Set(['', 'default', 'bridge', 'host', 'none']);

function strings(value: unknown): Array<[number, string]> {
  return Array.isArray(value) ? value.flatMap((item, i): Array<[number, string]> => (typeof item === 'string' ? [[i, item]] : [])) : [];
}

/** Before the first colon: `web:ro` of VolumesFrom. */
function beforeColon(entry: string): string {
  const colon = entry.indexOf(':');
  return colon === -1 ? entry : entry.slice(0, colon);
}

/**
 * A link as moby's opts.ParseLink reads it: `name` (aliased as itself), `name:alias`, or `/name:/self/alias`
 * as an inspect shows it; undefined for more colons, which the engine refuses itself.
 */
function parseLink(entry: string): { name: string; alias: string } | undefined {
  const parts = entry.split(':');
  if (parts.length > 2) return undefined;
  if (parts.length === 1) return { name: entry.replace(/^\//, ''), alias: entry };
  const [name, alias] = parts as [string, string];
  return name.startsWith('/') ? { name: name.slice(1), alias: alias.slice(alias.lastIndexOf('/') + 1) } : { name, alias };
}

function referencesOf(body: Record<string, unknown>): Reference[] {
  const hostConfig = isRecord(body.HostConfig) ? body.HostConfig : {};
  const found: Reference[] = [];
  for (const [i, entry] of strings(hostConfig.VolumesFrom)) found.push({ kind: 'container', field: `HostConfig.VolumesFrom[${i}]`, ref: beforeColon(entry) });
  for (const [i, entry] of strings(hostConfig.Links)) {
    const link = parseLink(entry);
    found.push({
      kind: 'container',
      field: `HostConfig.Links[${i}]`,
      ...(link === undefined ? { ref: beforeColon(entry).replace(/^\//, '') } : { ref: link.name, link: { index: i, alias: link.alias } }),
    });
  }
  for (const mode of JOINING_MODES) {
    const value = hostConfig[mode];
    if (typeof value === 'string' && value.startsWith('container:')) found.push({ kind: 'container', field: `HostConfig.${mode}`, ref: value.slice('container:'.length) });
  }
  const networkMode = hostConfig.NetworkMode;
  if (typeof networkMode === 'string' && !networkMode.startsWith('container:') && !BUILT_IN_NETWORKS.has(networkMode)) {
    found.push({ kind: 'network', field: 'HostConfig.NetworkMode', ref: networkMode });
  }
  const endpoints = isRecord(body.NetworkingConfig) && isRecord(body.NetworkingConfig.EndpointsConfig) ? body.NetworkingConfig.EndpointsConfig : {};
  for (const network of Object.keys(endpoints)) {
    if (!BUILT_IN_NETWORKS.has(network)) found.push({ kind: 'network', field: `NetworkingConfig.EndpointsConfig.${network}`, ref: network });
  }
  for (const [i, entry] of strings(hostConfig.Binds)) {
    const bind = parseBindSpec(entry);
    if (typeof bind !== 'string' && bind.kind === 'volume') found.push({ kind: 'volume', field: `HostConfig.Binds[${i}]`, ref: bind.source });
  }
  const mounts = Array.isArray(hostConfig.Mounts) ? hostConfig.Mounts : [];
  mounts.forEach((mount, i) => {
    if (isRecord(mount) && mount.Type === 'volume' && typeof mount.Source === 'string' && mount.Source !== '') {
      found.push({ kind: 'volume', field: `HostConfig.Mounts[${i}].Source`, ref: mount.Source });
    }
  });
  return found.filter((reference) => reference.ref !== '');
}

export interface CreateReferences {
  /** A refusal per reference that is not the owner's (field and why); empty when all are. */
  refused: Array<{ field: string; why: string }>;
  /** References to forward by the full id checked (the links). */
  pins: BodyPin[];
}

export async function checkCreateReferences(body: unknown, scope: OwnerScope, engine: ReachEngine): Promise<CreateReferences> {
  const checked: CreateReferences = { refused: [], pins: [] };
  if (!isRecord(body)) return checked;
  const { owner, shared } = scope;
  // The body reader has checked Links to be strings, so places in it are places in this copy.
  const links = strings(isRecord(body.HostConfig) ? body.HostConfig.Links : undefined).map(([, entry]) => entry);
  let linksPinned = false;
  for (const { kind, field, ref, link } of referencesOf(body)) {
    if (kind === 'container') {
      const container = await engine.container(ref);
      const found = container !== undefined && isRecord(container.Config) ? ownerIn(container.Config.Labels) : undefined;
      if (found !== owner) checked.refused.push({ field, why: `names ${JSON.stringify(ref)}, which is no container of the owner ${JSON.stringify(owner)}` });
      else if (link !== undefined && links[link.index] !== `${container!.Id}:${link.alias}`) {
        links[link.index] = `${container!.Id}:${link.alias}`;
        linksPinned = true;
      }
    } else if (kind === 'network') {
      const network = engine.network === undefined ? undefined : await engine.network(ref);
      if (network === undefined || (ownerIn(network.Labels) !== owner && !shared.includes('networks'))) {
        checked.refused.push({ field, why: `names the network ${JSON.stringify(ref)}, which is no network of the owner ${JSON.stringify(owner)}` });
      }
    } else {
      const volume = await engine.volume(ref);
      if (volume !== undefined && ownerIn(volume.Labels) !== owner && !shared.includes('volumes')) {
        checked.refused.push({ field, why: `names the volume ${JSON.stringify(ref)}, which is not the owner ${JSON.stringify(owner)}'s` });
      }
    }
  }
  if (linksPinned) checked.pins.push({ path: ['HostConfig', 'Links'], value: links });
  return checked;
}
