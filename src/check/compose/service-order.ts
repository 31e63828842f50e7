// The order Compose 1.29 starts services in (its sort_service_dicts, a depth-first topological sort from
// the last service back, so that every service comes after those it links to, mounts volumes from, joins
// the network, PID or IPC namespace of, or depends on), and those dependencies, each located where it is
// named. A cycle or a service depending on itself is refused as Compose refuses it.
import type { SourceLocation } from '../checked-request.js';
import { ComposeFileError } from './compose-file-error.js';
import type { ComposeProject, ProjectService } from './compose-project.js';
import { LocatedReader } from './located-values.js';

export interface Dependency {
  name: string;
  at: SourceLocation;
}

/** The services `service` needs started first, where each is named. */
export function serviceDependencies(project: ComposeProject, service: ProjectService): Dependency[] {
  const r = new LocatedReader(`services.${service.name}`, service.config);
  const out: Dependency[] = [];
  for (const link of r.list('links', ['string', 'number']) ?? []) out.push({ name: String(link.value).split(':')[0]!, at: link.node.at });
  for (const from of r.list('volumes_from') ?? []) {
    const source = String(from.value).split(':')[0]!;
    if (source !== 'container' && project.services.some((s) => s.name === source)) out.push({ name: source, at: from.node.at });
  }
  for (const key of ['network_mode', 'net', 'pid', 'ipc']) {
    const value = r.entry(key);
    if (value?.value.kind === 'scalar' && typeof value.value.value === 'string' && value.value.value.startsWith('service:')) {
      out.push({ name: value.value.value.slice('service:'.length), at: value.value.at });
    }
  }
  const dependsOn = r.entry('depends_on');
  if (dependsOn?.value.kind === 'seq') for (const item of dependsOn.value.items) out.push({ name: item.kind === 'scalar' ? String(item.value) : '', at: item.at });
  if (dependsOn?.value.kind === 'map') for (const [name, entry] of dependsOn.value.entries) out.push({ name, at: entry.key });
  return out;
}

/** The project's services in the order Compose starts them; a dependency on an undefined service is refused. */
export function sortServices(project: ComposeProject): ProjectService[] {
  const dependencies = new Map(project.services.map((s) => [s.name, serviceDependencies(project, s)]));
  for (const [name, deps] of dependencies) {
    for (const dep of deps) {
      if (!dependencies.has(dep.name)) throw new ComposeFileError(dep.at, `Service '${name}' depends on service '${dep.name}' which is undefined.`);
    }
  }
  const unmarked = [...project.services];
  const visiting = new Set<string>();
  const sorted: ProjectService[] = [];
  const visit = (service: ProjectService): void => {
    if (visiting.has(service.name)) {
      const self = dependencies.get(service.name)!.find((d) => d.name === service.name);
      if (self !== undefined) throw new ComposeFileError(self.at, `A service can not depend on itself: ${service.name}`);
      throw new ComposeFileError(service.key, `Circular dependency between ${[...visiting].join(' and ')}`);
    }
    if (!unmarked.includes(service)) return;
    visiting.add(service.name);
    for (const dependent of project.services.filter((s) => dependencies.get(s.name)!.some((d) => d.name === service.name))) visit(dependent);
    visiting.delete(service.name);
    unmarked.splice(unmarked.indexOf(service), 1);
    sorted.unshift(service);
  };
  while (unmarked.length > 0) visit(unmarked.at(-1)!);
  return sorted;
}
