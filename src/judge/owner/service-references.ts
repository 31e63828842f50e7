// The objects a service spec names besides its image (docs/owners-design.md, section 5): the secrets and
// configs handed to its tasks, the networks they attach to and the named volumes they mount. Each must be
// its owner's, or its tasks would read another owner's secrets or join its networks. A missing one is
// refused in the same words as another owner's; a volume not made yet is left to the engine (made on the
// node, unlabelled, as for a container create) and the built-in networks are anyone's.
import type { SwarmKind } from '../engine-lookup.js';
import { isRecord, type ReachEngine } from '../reach/reach-context.js';
import { ownerIn } from './owner-label.js';
import { ownerOfSwarmObject } from './swarm-objects.js';

interface Reference {
  kind: SwarmKind | 'network' | 'volume';
  field: string;
  ref: string;
}

/** Networks every client may attach to: what they give is the constraints' business, not an owner's. */
const BUILT_IN_NETWORKS: ReadonlySet<string> = new Set(['bridge', 'host', 'none']);

function records(value: unknown): Array<[number, Record<string, unknown>]> {
  return Array.isArray(value) ? value.flatMap((item, i): Array<[number, Record<string, unknown>]> => (isRecord(item) ? [[i, item]] : [])) : [];
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

function referencesOf(spec: Record<string, unknown>): Reference[] {
  const template = isRecord(spec.TaskTemplate) ? spec.TaskTemplate : {};
  const containerSpec = isRecord(template.ContainerSpec) ? template.ContainerSpec : {};
  const C = 'TaskTemplate.ContainerSpec';
  const found: Reference[] = [];
  for (const [i, secret] of records(containerSpec.Secrets)) found.push({ kind: 'secret', field: `${C}.Secrets[${i}].SecretID`, ref: text(secret.SecretID) });
  for (const [i, config] of records(containerSpec.Configs)) found.push({ kind: 'config', field: `${C}.Configs[${i}].ConfigID`, ref: text(config.ConfigID) });
  const privileges = isRecord(containerSpec.Privileges) ? containerSpec.Privileges : {};
  if (isRecord(privileges.CredentialSpec)) found.push({ kind: 'config', field: `${C}.Privileges.CredentialSpec.Config`, ref: text(privileges.CredentialSpec.Config) });
  for (const [i, mount] of records(containerSpec.Mounts)) {
    if (mount.Type === 'volume') found.push({ kind: 'volume', field: `${C}.Mounts[${i}].Source`, ref: text(mount.Source) });
  }
  for (const [i, network] of records(template.Networks)) found.push({ kind: 'network', field: `TaskTemplate.Networks[${i}].Target`, ref: text(network.Target) });
  // The deprecated place for the same attachments, which the engine still reads.
  for (const [i, network] of records(spec.Networks)) found.push({ kind: 'network', field: `Networks[${i}].Target`, ref: text(network.Target) });
  return found.filter((reference) => reference.ref !== '');
}

/** Why a reference is not the owner's, or undefined when it is (or is something anyone may name). */
async function notOwners({ kind, ref }: Reference, owner: string, engine: ReachEngine): Promise<string | undefined> {
  const named = JSON.stringify(ref);
  const notTheOwners = `which is no ${kind} of the owner ${JSON.stringify(owner)}`;
  if (kind === 'volume') {
    const volume = await engine.volume(ref);
    return volume !== undefined && ownerIn(volume.Labels) !== owner ? `names the volume ${named}, ${notTheOwners}` : undefined;
  }
  if (kind === 'network') {
    const network = await engine.network?.(ref);
    if (network !== undefined && BUILT_IN_NETWORKS.has(network.Name)) return undefined;
    return network === undefined || ownerIn(network.Labels) !== owner ? `names ${named}, ${notTheOwners}` : undefined;
  }
  const object = await engine.swarmObject?.(kind, ref);
  return object === undefined || ownerOfSwarmObject(object) !== owner ? `names ${named}, ${notTheOwners}` : undefined;
}

/** A refusal per reference of a service spec that is not the owner's (field and why); empty when all are. */
export async function foreignServiceReferences(body: unknown, owner: string, engine: ReachEngine): Promise<Array<{ field: string; why: string }>> {
  if (!isRecord(body)) return [];
  const refused: Array<{ field: string; why: string }> = [];
  for (const reference of referencesOf(body)) {
    const why = await notOwners(reference, owner, engine);
    if (why !== undefined) refused.push({ field: reference.field, why });
  }
  return refused;
}
