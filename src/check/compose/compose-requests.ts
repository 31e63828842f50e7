// What `docker-compose up` (Compose 1.29, the one the tests run) would send for a project, as requests
// `dockgate check` judges: the files read and interpolated (`.env` beside the first file, the environment
// over it), merged in order, each service's `extends` resolved, the services the active profiles enable,
// in the order Compose starts them; then the network creates, the volume creates and one container create
// per service, every body field located at the key that set it.
import { dirname, resolve } from 'node:path';
import type { CheckedRequest } from '../checked-request.js';
import { ComposeFileError } from './compose-file-error.js';
import { CURRENT_SPEC_SERVICE_KEYS, loadComposeFile, type ComposeFile } from './compose-file.js';
import { projectName, resourceNaming, type ComposeProject, type ProjectResource, type ProjectService } from './compose-project.js';
import { projectVariables } from './dot-env.js';
import type { Variables } from './interpolation.js';
import type { LocatedEntry, LocatedMap } from './located-yaml.js';
import { LocatedReader } from './located-values.js';
import { networkCreateRequests, volumeCreateRequests } from './project-resources.js';
import { containerCreateRequest } from './service-container.js';
import { resolveExtends } from './service-extends.js';
import { mergeServices } from './service-merge.js';
import { sortServices, serviceDependencies } from './service-order.js';

export interface ComposeRequestsOptions {
  /** The compose files, as `-f` gives them, in order (relative to the current directory). */
  files: readonly string[];
  /** `-p`; else COMPOSE_PROJECT_NAME; else the files' `name:` (the last one given); else the first file's directory's name. */
  projectName?: string;
  /** `--profile`s; else COMPOSE_PROFILES (comma-separated). */
  profiles?: readonly string[];
  /** The environment Compose runs in (interpolation, HOME, COMPOSE_*); `.env` beside the first file is read under it. */
  env: Variables;
  /** The Engine API version the requests name (Compose 1.29 takes the engine's; default 1.41). */
  apiVersion?: string;
}

/** The project the files make, as Compose 1.29 loads it (every service, before profiles are applied). */
export function loadComposeProject(options: ComposeRequestsOptions): ComposeProject {
  if (options.files.length === 0) throw new ComposeFileError({ file: '.', line: 1, column: 1 }, 'no compose file given');
  const paths = options.files.map((file) => resolve(file));
  const workingDir = dirname(paths[0]!);
  const variables = projectVariables(workingDir, options.env);
  const files: ComposeFile[] = paths.map((path) => loadComposeFile(path, variables));
  const main = files[0]!;
  for (const file of files.slice(1)) {
    if (file.format !== main.format)
      throw new ComposeFileError({ file: file.path, line: 1, column: 1 }, `Version mismatch: file ${main.path} and extension file ${file.path} are of different formats`);
  }
  // Services merged file over file (every service, when there is more than one file), in first-seen order.
  const keys = new Map<string, ProjectService['key']>();
  let merged = new Map<string, LocatedMap>();
  files.forEach((file, index) => {
    const next = new Map<string, LocatedMap>();
    for (const [name, entry] of file.services.entries) {
      if (!keys.has(name)) keys.set(name, entry.key);
      next.set(name, entry.value as LocatedMap);
    }
    if (index === 0) {
      merged = next;
      return;
    }
    const names = new Set([...merged.keys(), ...next.keys()]);
    const out = new Map<string, LocatedMap>();
    for (const name of names) {
      const base: LocatedMap = merged.get(name) ?? { kind: 'map', entries: new Map<string, LocatedEntry>(), at: keys.get(name)! };
      const override: LocatedMap = next.get(name) ?? { kind: 'map', entries: new Map<string, LocatedEntry>(), at: keys.get(name)! };
      const result = mergeServices(base, override, main.format);
      const extendsEntry = override.entries.get('extends') ?? base.entries.get('extends');
      if (extendsEntry !== undefined) result.entries.set('extends', extendsEntry);
      out.set(name, result);
    }
    merged = out;
  });
  const home = variables['HOME'] ?? '';
  const services: ProjectService[] = [...merged].map(([name, config]) => ({
    name,
    key: keys.get(name)!,
    config: resolveExtends({ mainFile: main, variables, home }, main.path, workingDir, name, config),
  }));
  const resources = (section: 'volumes' | 'networks' | 'secrets'): Map<string, ProjectResource> => {
    const out = new Map<string, ProjectResource>();
    for (const file of files) {
      for (const [name, entry] of file[section].entries) {
        const resource = { name, key: entry.key, config: entry.value as LocatedMap };
        if (section !== 'secrets') refuseExternalWithAttributes(resource, section === 'volumes' ? 'Volume' : 'Network');
        out.set(name, resource);
      }
    }
    return out;
  };
  const nameInFiles = files.flatMap((file) => (file.name === undefined ? [] : [file.name])).at(-1);
  const currentCompose = nameInFiles !== undefined || services.some((service) => [...CURRENT_SPEC_SERVICE_KEYS].some((key) => service.config.entries.has(key)));
  const { name, at: nameAt } = projectName(options.projectName, variables, workingDir, { compose: currentCompose, ...(nameInFiles !== undefined && { fromFiles: nameInFiles }) });
  const project: ComposeProject = {
    name,
    ...(nameAt !== undefined && { nameAt }),
    workingDir,
    format: main.format,
    currentCompose,
    variables,
    services,
    volumes: resources('volumes'),
    networks: resources('networks'),
    secrets: resources('secrets'),
  };
  project.services = sortServices(project);
  return project;
}

/** An external volume or network may give only its name (a network its driver too), as Compose requires. */
function refuseExternalWithAttributes(resource: ProjectResource, kind: 'Volume' | 'Network'): void {
  if (!resourceNaming(resource, kind.toLowerCase()).external) return;
  const extra = [...resource.config.entries.keys()].filter((k) => k !== 'external' && k !== 'name' && !(kind === 'Network' && k === 'driver'));
  if (extra.length > 0) {
    const others = [...resource.config.entries.keys()].filter((k) => k !== 'external');
    throw new ComposeFileError(resource.config.entries.get(extra[0]!)!.key, `${kind} ${resource.name} declared as external but specifies additional attributes (${others.join(', ')}).`);
  }
}

/** The services `up` starts under the active profiles: those with no `profiles:` and those naming an active one; a dependency left out is refused. */
function enabledServices(project: ComposeProject, active: readonly string[]): ProjectService[] {
  const enabled = (service: ProjectService): boolean => {
    const profiles = new LocatedReader(`services.${service.name}`, service.config).list('profiles');
    return profiles === undefined || profiles.some((p) => active.includes(String(p.value)));
  };
  const chosen = project.services.filter(enabled);
  for (const service of chosen) {
    for (const dependency of serviceDependencies(project, service)) {
      const target = project.services.find((s) => s.name === dependency.name);
      if (target !== undefined && !enabled(target)) {
        throw new ComposeFileError(
          dependency.at,
          `Service "${target.name}" was pulled in as a dependency of service "${service.name}" but is not enabled by the active profiles. You may fix this by adding a common profile to "${target.name}" and "${service.name}".`,
        );
      }
    }
  }
  return chosen;
}

/** How many containers `up` creates for a service: `scale`, or `deploy.replicas` (replicated mode, at most `max_replicas_per_node`), else one. */
function serviceScale(service: ProjectService): number {
  const r = new LocatedReader(`services.${service.name}`, service.config);
  const scale = r.number('scale');
  const deploy = r.mapping('deploy');
  if (deploy === undefined || (deploy.string('mode') ?? 'replicated') !== 'replicated') return scale ?? 1;
  const replicas = deploy.number('replicas');
  if (scale !== undefined && replicas !== undefined)
    throw new ComposeFileError(r.entry('scale')!.key, 'Both service.scale and service.deploy.replicas are set. Only one of them must be set.');
  const wanted = replicas ?? scale;
  if (wanted === undefined) return 1;
  return Math.min(wanted, deploy.mapping('placement')?.number('max_replicas_per_node') ?? wanted);
}

/** The requests `docker-compose up` would send for the project, in order: networks, volumes, containers. */
export function composeRequests(options: ComposeRequestsOptions): CheckedRequest[] {
  const project = loadComposeProject(options);
  const apiVersion = options.apiVersion ?? '1.41';
  const fromEnvironment = project.variables['COMPOSE_PROFILES'];
  const active = options.profiles !== undefined && options.profiles.length > 0 ? options.profiles : fromEnvironment ? fromEnvironment.split(',') : [];
  const containers = enabledServices(project, active).flatMap((service) =>
    Array.from({ length: serviceScale(service) }, (_, i) => containerCreateRequest(project, service, apiVersion, i + 1)),
  );
  return [...networkCreateRequests(project, apiVersion), ...volumeCreateRequests(project, apiVersion), ...containers];
}
