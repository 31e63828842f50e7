// `extends:` resolved as Compose 1.29 resolves it: `extends: NAME` or `{ service: NAME }` takes the service
// from the first compose file as that file alone defines it (before other `-f` files are merged in);
// `{ file: PATH, service: NAME }` from PATH, relative to the extending service's directory, read and
// interpolated afresh, its relative paths taken from its own directory. The base may itself extend
// (cycles refused); a base with links, volumes_from, depends_on or a `service:` network mode is refused;
// the service is then merged over its base as a later file is merged over an earlier one.
import { dirname, resolve } from 'node:path';
import type { SourceLocation } from '../checked-request.js';
import { ComposeFileError } from './compose-file-error.js';
import { loadComposeFile, type ComposeFile } from './compose-file.js';
import type { Variables } from './interpolation.js';
import { scalar, type LocatedMap, type LocatedNode } from './located-yaml.js';
import { LocatedReader } from './located-values.js';
import { mergeServices } from './service-merge.js';
import { expandPath } from './service-volumes.js';

export interface ExtendsContext {
  /** The first compose file, as loaded on its own. */
  mainFile: ComposeFile;
  variables: Variables;
  home: string;
}

/** Relative host paths of a base service from another file made absolute from that file's directory (Compose's process_service). */
function withPathsFrom(config: LocatedMap, directory: string, home: string): LocatedMap {
  const entries = new Map(config.entries);
  const volumes = entries.get('volumes');
  const noDriver = !entries.has('volume_driver');
  if (volumes?.value.kind === 'seq' && noDriver) {
    const items = volumes.value.items.map((item): LocatedNode => {
      if (item.kind === 'scalar' && typeof item.value === 'string') {
        const colon = item.value.indexOf(':');
        const host = colon < 0 ? '' : item.value.slice(0, colon);
        if (host.startsWith('.') || host.startsWith('~')) return scalar(`${expandPath(directory, host, home)}${item.value.slice(colon)}`, item.at);
        return item;
      }
      if (item.kind === 'map') {
        const source = item.entries.get('source');
        const type = item.entries.get('type')?.value;
        if (source?.value.kind === 'scalar' && typeof source.value.value === 'string' && type?.kind === 'scalar' && type.value === 'bind' && /^[.~]/u.test(source.value.value)) {
          const mapped = new Map(item.entries);
          mapped.set('source', { key: source.key, value: scalar(expandPath(directory, source.value.value, home), source.value.at) });
          return { ...item, entries: mapped };
        }
      }
      return item;
    });
    entries.set('volumes', { key: volumes.key, value: { kind: 'seq', items, at: volumes.value.at } });
  }
  const envFile = entries.get('env_file');
  if (envFile !== undefined) {
    const files = envFile.value.kind === 'seq' ? envFile.value.items : [envFile.value];
    const items = files.map((f) => (f.kind === 'scalar' && typeof f.value === 'string' ? scalar(expandPath(directory, f.value, home), f.at) : f));
    entries.set('env_file', { key: envFile.key, value: { kind: 'seq', items, at: envFile.value.at } });
  }
  return { ...config, entries };
}

const EXTENDED_REFUSALS: readonly [string, (value: LocatedNode) => boolean, string][] = [
  ['links', () => true, "services with 'links' cannot be extended"],
  ['volumes_from', () => true, "services with 'volumes_from' cannot be extended"],
  ['net', (v) => v.kind === 'scalar' && String(v.value).startsWith('container:'), "services with 'net: container' cannot be extended"],
  ['network_mode', (v) => v.kind === 'scalar' && String(v.value).startsWith('service:'), "services with 'network_mode: service' cannot be extended"],
  ['depends_on', () => true, "services with 'depends_on' cannot be extended"],
];

/**
 * The service `name` (defined in `file`, whose relative paths are taken from `directory`) with its
 * `extends` resolved; `seen` holds the services being resolved, for cycles.
 */
export function resolveExtends(context: ExtendsContext, file: string, directory: string, name: string, config: LocatedMap, seen: readonly string[] = []): LocatedMap {
  const signature = `${file}:${name}`;
  const extendsEntry = config.entries.get('extends');
  if (seen.includes(signature)) throw new ComposeFileError(extendsEntry?.key ?? config.at, `Circular reference:\n  ${[...seen, signature].join(' extends ')}`);
  if (extendsEntry === undefined) return config;
  const reader = new LocatedReader(`services.${name}`, config);
  let service: string;
  let otherFile: string | undefined;
  let serviceAt: SourceLocation = extendsEntry.value.at;
  if (extendsEntry.value.kind === 'map') {
    const options = reader.mapping('extends')!;
    const given = options.string('service');
    if (given === undefined) throw new ComposeFileError(extendsEntry.key, `services.${name}.extends contains an invalid type: 'service' is a required property`);
    service = given;
    serviceAt = options.entry('service')!.value.at;
    const path = options.string('file');
    if (path !== undefined) otherFile = expandPath(directory, path, context.home);
  } else {
    service = reader.string('extends')!;
  }
  const basePath = otherFile ?? file;
  let base: LocatedMap | undefined;
  let baseDirectory = directory;
  if (resolve(basePath) === resolve(context.mainFile.path)) {
    const entry = context.mainFile.services.entries.get(service);
    base = entry?.value.kind === 'map' ? entry.value : undefined;
  } else {
    const loaded = loadComposeFile(basePath, context.variables);
    if (loaded.format !== context.mainFile.format) {
      throw new ComposeFileError(serviceAt, `Version mismatch: file ${context.mainFile.path} and extension file ${basePath} are of different formats`);
    }
    const entry = loaded.services.entries.get(service);
    base = entry?.value.kind === 'map' ? entry.value : undefined;
    baseDirectory = dirname(basePath);
  }
  if (base === undefined) throw new ComposeFileError(serviceAt, `Cannot extend service '${service}' in ${basePath}: Service not found`);
  let resolved = resolveExtends(context, basePath, baseDirectory, service, base, [...seen, signature]);
  if (baseDirectory !== directory) resolved = withPathsFrom(resolved, baseDirectory, context.home);
  for (const [key, refused, why] of EXTENDED_REFUSALS) {
    const entry = resolved.entries.get(key);
    if (entry !== undefined && refused(entry.value)) throw new ComposeFileError(entry.key, `Cannot extend service '${service}' in ${basePath}: ${why}`);
  }
  const own = new Map(config.entries);
  own.delete('extends');
  const merged = mergeServices(resolved, { ...config, entries: own }, context.mainFile.format);
  merged.entries.delete('extends');
  return merged;
}
