// A service's `volumes:` as Compose 1.29 sends them: the short syntax (`SOURCE:TARGET[:MODE]`) as
// `HostConfig.Binds` (`SOURCE:TARGET:MODE`, mode `rw` when none is given) for a host path or named volume
// and as `Volumes` alone for an anonymous one; the long syntax as `HostConfig.Mounts` (API 1.30 and later).
// Relative host paths are taken from the working directory and `~` from HOME; named volumes must be
// declared and take their engine names. Each entry is located at its list item.
import { homedir } from 'node:os';
import { join, normalize, resolve } from 'node:path';
import { parseBytes } from './byte-sizes.js';
import { ComposeFileError } from './compose-file-error.js';
import { volumeEngineName, type ComposeProject } from './compose-project.js';
import type { FieldLocations } from './field-locations.js';
import type { LocatedNode } from './located-yaml.js';
import { LocatedReader } from './located-values.js';

export interface ServiceVolumes {
  binds: string[];
  /** Container paths of the short-syntax entries (`Volumes` of the body). */
  volumes: Record<string, Record<string, never>>;
  mounts: Record<string, unknown>[];
}

/** Python's os.path.normpath: like path.normalize, but `//x` keeps its two leading slashes and nothing ends in `/`. */
function normpath(path: string): string {
  if (path === '') return '.';
  const out = normalize(path);
  const trimmed = out.length > 1 && out.endsWith('/') ? out.slice(0, -1) : out;
  return path.startsWith('//') && !path.startsWith('///') ? `/${trimmed}` : trimmed;
}

function expandUser(path: string, home: string): string {
  if (path === '~') return home;
  return path.startsWith('~/') ? join(home, path.slice(2)) : path;
}

/** Compose's expand_path: `~` expanded, then joined to the working directory and normalised. */
export function expandPath(workingDir: string, path: string, home: string): string {
  return normpath(resolve(workingDir, expandUser(path, home)));
}

function home(project: ComposeProject): string {
  return project.variables['HOME'] ?? homedir();
}

function namedVolume(project: ComposeProject, name: string, node: LocatedNode, service: string, spec: string): string {
  const volume = project.volumes.get(name);
  if (volume === undefined) throw new ComposeFileError(node.at, `Named volume "${spec}" is used in service "${service}" but no declaration was found in the volumes section.`);
  return volumeEngineName(project, volume);
}

function shortSyntax(project: ComposeProject, service: string, text: string, node: LocatedNode, noVolumeDriver: boolean): { external?: string; internal: string; mode: string } {
  let spec = text;
  const colon = spec.indexOf(':');
  if (noVolumeDriver && colon > 0) {
    // resolve_volume_path: a relative host path from the working directory, then `~` from HOME.
    let host = spec.slice(0, colon);
    if (host.startsWith('.')) host = expandPath(project.workingDir, host, home(project));
    host = expandUser(host, home(project));
    spec = `${host}${spec.slice(colon)}`;
  }
  const parts = spec.split(':');
  if (parts.length > 3) throw new ComposeFileError(node.at, `Volume ${text} has incorrect format, should be external:internal[:mode]`);
  if (parts.length === 1) return { internal: normpath(parts[0]!), mode: 'rw' };
  return { external: normpath(parts[0]!), internal: normpath(parts[1]!), mode: parts[2] ?? 'rw' };
}

const isNamed = (source: string): boolean => source !== '' && !source.startsWith('.') && !source.startsWith('/') && !source.startsWith('~');

/** The body's volumes, binds and mounts of one service, recording where each was written. */
export function serviceVolumes(project: ComposeProject, service: string, reader: LocatedReader, where: FieldLocations, apiVersion: string): ServiceVolumes {
  const out: ServiceVolumes = { binds: [], volumes: {}, mounts: [] };
  const entry = reader.entry('volumes');
  if (entry === undefined) return out;
  if (entry.value.kind !== 'seq') reader.invalid('volumes', entry.value, 'an array');
  const noVolumeDriver = !reader.has('volume_driver');
  const legacyMounts = compareVersions(apiVersion, '1.30') < 0;
  const seen = new Map<string, string>();
  const bindsAt: LocatedNode[] = [];
  const mountsAt: LocatedNode[] = [];
  for (const item of entry.value.items) {
    if (item.kind === 'scalar' && typeof item.value === 'string') {
      const spec = shortSyntax(project, service, item.value, item, noVolumeDriver);
      let external = spec.external;
      if (external !== undefined && project.format === 2 && isNamed(external)) external = namedVolume(project, external, item, service, item.value);
      const repr = external === undefined ? spec.internal : `${external}:${spec.internal}:${spec.mode}`;
      if (seen.has(spec.internal)) throw new ComposeFileError(item.at, `Duplicate mount points: [${seen.get(spec.internal)}, ${repr}]`);
      seen.set(spec.internal, repr);
      out.volumes[spec.internal] = {};
      if (external !== undefined && !out.binds.includes(repr)) {
        out.binds.push(repr);
        bindsAt.push(item);
      }
      continue;
    }
    if (item.kind !== 'map') reader.invalid('volumes', item, 'a string or an object');
    reader.onlyKeys('volumes', item, ['type', 'source', 'target', 'read_only', 'consistency', 'bind', 'volume', 'tmpfs']);
    const mount = new LocatedReader(`${reader.where}.volumes`, item);
    const type = mount.string('type');
    if (type === undefined) throw new ComposeFileError(item.at, `${reader.where}.volumes contains an invalid type: 'type' is a required property`);
    const target = mount.string('target');
    let source = mount.string('source');
    if (source !== undefined && source !== '') {
      if (type === 'tmpfs') throw new ComposeFileError(mount.entry('source')!.key, 'tmpfs mounts can not specify a source');
      if (type === 'bind' && noVolumeDriver && (source.startsWith('.') || source.startsWith('~'))) source = expandPath(project.workingDir, source, home(project));
      source = normpath(source);
      if (type === 'volume' && project.format === 2 && isNamed(source)) source = namedVolume(project, source, item, service, source);
    }
    const readOnly = mount.boolean('read_only');
    const internal = target ?? '';
    const repr = `${source ?? ''}:${internal}:${readOnly === true ? 'ro' : 'rw'}`;
    if (seen.has(internal)) throw new ComposeFileError(item.at, `Duplicate mount points: [${seen.get(internal)}, ${repr}]`);
    seen.set(internal, repr);
    if (legacyMounts) {
      // Before API 1.30 Compose writes the long syntax as binds (and tmpfs as Tmpfs, which the caller adds).
      if (type !== 'tmpfs') {
        out.binds.push(repr);
        bindsAt.push(item);
        out.volumes[internal] = {};
      }
      continue;
    }
    const body: Record<string, unknown> = { Target: target ?? null, Source: source ?? null, Type: type, ReadOnly: readOnly ?? null };
    const consistency = mount.string('consistency');
    if (consistency) body['Consistency'] = consistency;
    const options = mount.mapping(type);
    if (type === 'bind' && options?.has('propagation')) body['BindOptions'] = { Propagation: options.string('propagation') };
    if (type === 'volume' && options?.boolean('nocopy') === true) body['VolumeOptions'] = { NoCopy: true };
    if (type === 'tmpfs' && options?.has('size')) body['TmpfsOptions'] = { SizeBytes: parseBytes(options.size('size')) };
    out.mounts.push(body);
    mountsAt.push(item);
    const at = `HostConfig.Mounts[${out.mounts.length - 1}]`;
    for (const [key, field] of [
      ['source', 'Source'],
      ['target', 'Target'],
      ['type', 'Type'],
      ['read_only', 'ReadOnly'],
      ['bind', 'BindOptions'],
      ['volume', 'VolumeOptions'],
      ['tmpfs', 'TmpfsOptions'],
    ] as const) {
      const set = mount.entry(key);
      if (set !== undefined) where.set(`${at}.${field}`, set.key);
    }
  }
  bindsAt.forEach((node, i) => where.set(`HostConfig.Binds[${i}]`, node.at));
  mountsAt.forEach((node, i) => where.set(`HostConfig.Mounts[${i}]`, node.at));
  where.set('HostConfig.Binds', entry.key);
  where.set('HostConfig.Mounts', entry.key);
  where.set('Volumes', entry.key);
  return out;
}

/** Compares two API versions (`1.30` and `1.41`) as numbers, part by part. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}
