// The objects a container create names besides its image (docs/owners-design.md, section 5): containers
// it takes volumes from, joins the namespaces of or links to, and named volumes it mounts. Each must be its
// owner's. A missing container and another owner's are refused in the same words, so the refusal tells
// nothing the client's own `docker ps` would not; a volume that does not exist yet is left to the engine,
// which creates it (unlabelled: the design's Binds-to-Mounts rewrite is not built).
import { parseBindSpec } from '../reach/bind-spec.js';
import { isRecord, type ReachEngine } from '../reach/reach-context.js';
import { ownerIn } from './owner-label.js';

interface Reference {
  kind: 'container' | 'volume';
  field: string;
  ref: string;
}

/** HostConfig fields whose `container:NAME` joins another container's namespace. */
const JOINING_MODES = ['NetworkMode', 'PidMode', 'IpcMode', 'UTSMode', 'UsernsMode', 'CgroupnsMode'] as const;

function strings(value: unknown): Array<[number, string]> {
  return Array.isArray(value) ? value.flatMap((item, i): Array<[number, string]> => (typeof item === 'string' ? [[i, item]] : [])) : [];
}

/** Before the first colon: `web:ro` of VolumesFrom, `web:alias` of Links. */
function beforeColon(entry: string): string {
  const colon = entry.indexOf(':');
  return colon === -1 ? entry : entry.slice(0, colon);
}

function referencesOf(body: Record<string, unknown>): Reference[] {
  const hostConfig = isRecord(body.HostConfig) ? body.HostConfig : {};
  const found: Reference[] = [];
  for (const [i, entry] of strings(hostConfig.VolumesFrom)) found.push({ kind: 'container', field: `HostConfig.VolumesFrom[${i}]`, ref: beforeColon(entry) });
  for (const [i, entry] of strings(hostConfig.Links)) found.push({ kind: 'container', field: `HostConfig.Links[${i}]`, ref: beforeColon(entry).replace(/^\//, '') });
  for (const mode of JOINING_MODES) {
    const value = hostConfig[mode];
    if (typeof value === 'string' && value.startsWith('container:')) found.push({ kind: 'container', field: `HostConfig.${mode}`, ref: value.slice('container:'.length) });
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

/** A refusal per reference that is not the owner's (field and why); empty when all are. */
export async function foreignCreateReferences(body: unknown, owner: string, engine: ReachEngine): Promise<Array<{ field: string; why: string }>> {
  if (!isRecord(body)) return [];
  const refused: Array<{ field: string; why: string }> = [];
  for (const { kind, field, ref } of referencesOf(body)) {
    if (kind === 'container') {
      const container = await engine.container(ref);
      const found = container !== undefined && isRecord(container.Config) ? ownerIn(container.Config.Labels) : undefined;
      if (found !== owner) refused.push({ field, why: `names ${JSON.stringify(ref)}, which is no container of the owner ${JSON.stringify(owner)}` });
    } else {
      const volume = await engine.volume(ref);
      if (volume !== undefined && ownerIn(volume.Labels) !== owner) {
        refused.push({ field, why: `names the volume ${JSON.stringify(ref)}, which is not the owner ${JSON.stringify(owner)}'s` });
      }
    }
  }
  return refused;
}
