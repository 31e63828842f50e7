// A project as Compose 1.29 holds it once its files are loaded, merged and extended: its name, working
// directory, variables, services in order, and the volumes and networks it declares, with the names they
// have on the engine (`<project>_<name>`, or the `name:` given, or the external name). A project whose
// files use keys only current Compose reads is named as current Compose names it: `name:` among the
// sources of its name, its containers `<project>-<service>-<number>`.
import { ConfigError } from '../../errors/config-error.js';
import type { SourceLocation } from '../checked-request.js';
import type { ComposeFile } from './compose-file.js';
import type { Variables } from './interpolation.js';
import type { LocatedMap } from './located-yaml.js';
import { LocatedReader } from './located-values.js';

export interface ProjectService {
  name: string;
  /** Where the service's key was written (in the first file that names it). */
  key: SourceLocation;
  /** The service as merged and extended, its values interpolated. */
  config: LocatedMap;
}

export interface ProjectResource {
  name: string;
  key: SourceLocation;
  config: LocatedMap;
}

export interface ComposeProject {
  name: string;
  /** Where the `name:` that named the project was written, when one did (not `-p`, COMPOSE_PROJECT_NAME or the directory). */
  nameAt?: SourceLocation;
  /** The directory relative paths are taken from: the first file's. */
  workingDir: string;
  /** 1: the legacy format (no networks, no named volumes); 2: every later one. */
  format: 1 | 2;
  /** Whether the files use keys of the current Compose Specification that 1.29 refuses: only current Compose (v2) runs them, and names them. */
  currentCompose: boolean;
  variables: Variables;
  services: ProjectService[];
  volumes: Map<string, ProjectResource>;
  networks: Map<string, ProjectResource>;
  secrets: Map<string, ProjectResource>;
}

/**
 * Compose's project name: `-p`, else COMPOSE_PROJECT_NAME, else (current Compose only) the files' `name:`,
 * else the working directory's name; lower case, only `-_a-z0-9` kept (and, from `name:`, no leading `-` or
 * `_`, as current Compose normalises it; one left empty names nothing). For current Compose, a `-p` or
 * COMPOSE_PROJECT_NAME it would have to normalise is refused, as current Compose refuses it.
 */
export function projectName(
  given: string | undefined,
  variables: Variables,
  workingDir: string,
  current: { compose: boolean; fromFiles?: ComposeFile['name'] },
): { name: string; at?: SourceLocation } {
  const normalise = (name: string): string => name.toLowerCase().replace(/[^-_a-z0-9]/gu, '');
  const name = [given, variables['COMPOSE_PROJECT_NAME']].find((candidate) => candidate !== undefined && candidate !== '');
  // Current Compose refuses a name given on the command line or in the environment that it would have to normalise; 1.29 normalises it.
  if (name !== undefined && current.compose && !/^[a-z0-9][a-z0-9_-]*$/u.test(name)) {
    throw new ConfigError(`invalid project name "${name}": must consist only of lowercase alphanumeric characters, hyphens, and underscores as well as start with a letter or number`);
  }
  if (name !== undefined) return { name: normalise(name) };
  const fromFiles = current.fromFiles;
  const named = normalise(fromFiles?.value ?? '').replace(/^[-_]+/u, '');
  if (named !== '') return { name: named, at: fromFiles!.at };
  const base = normalise(
    workingDir
      .split('/')
      .filter((part) => part !== '')
      .at(-1) ?? '',
  );
  return { name: base === '' ? 'default' : base };
}

/** Whether the resource is external, and the name it is given (`name:`, `external.name`, or its own for an external one). */
export function resourceNaming(resource: ProjectResource, kind: string): { external: boolean; customName?: string } {
  const reader = new LocatedReader(`${kind}s.${resource.name}`, resource.config);
  const external = reader.entry('external');
  let customName = reader.string('name');
  let isExternal = false;
  if (external !== undefined) {
    if (external.value.kind === 'map') {
      isExternal = true;
      customName = new LocatedReader(`${kind}s.${resource.name}.external`, external.value).string('name') ?? customName ?? resource.name;
    } else {
      isExternal = reader.boolean('external') === true;
      if (isExternal) customName ??= resource.name;
    }
  }
  return { external: isExternal, ...(customName !== undefined && { customName }) };
}

/** The engine's name of a declared volume: `name:` or the external name, else `<project>_<name>` (the project's leading `-` and `_` dropped). */
export function volumeEngineName(project: ComposeProject, volume: ProjectResource): string {
  return resourceNaming(volume, 'volume').customName ?? `${project.name.replace(/^[-_]+/u, '')}_${volume.name}`;
}

/** The engine's name of a declared network: `name:` or the external name, else `<project>_<name>`. */
export function networkEngineName(project: ComposeProject, network: string): string {
  const declared = project.networks.get(network);
  const custom = declared && resourceNaming(declared, 'network').customName;
  return custom ?? `${project.name}_${network}`;
}

/** The name Compose gives a service's container number `number`: `<project>_<service>_<number>` (1.29), `<project>-<service>-<number>` (current). */
export function containerName(project: ComposeProject, service: string, number = 1): string {
  return project.currentCompose ? `${project.name}-${service}-${number}` : `${project.name.replace(/^[-_]+/u, '')}_${service}_${number}`;
}

/** The image a service that is only built gets: `<project>_<service>` (1.29), `<project>-<service>` (current). */
export function builtImageName(project: ComposeProject, service: string): string {
  return project.currentCompose ? `${project.name}-${service}` : `${project.name.replace(/^[-_]+/u, '')}_${service}`;
}
