// The body schemas against the Engine API specs: for every inspected operation, every property path of
// its request body in v1.41 (the engine here) and v1.56 (the newest clients) must be known to the schema,
// with a compatible type. Fields the Go types accept beyond the specs are pinned separately, and the few
// places where a spec and the Go types disagree are listed with the reason (dockgate follows Go).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { foldedFieldFor, type BodySchema } from '../../src/inspect/body-schema.js';
import { INSPECTED_OPERATIONS, bodySchemaOf } from '../../src/inspect/inspect-body.js';
import { isOperation, type Operation } from '../../src/route/operations.js';

const SPECS = ['v1.41', 'v1.56'] as const;

/** Where each inspected operation's body is documented (method and path template of the specs). */
const SPEC_OPERATIONS: Readonly<Partial<Record<Operation, readonly [string, string]>>> = {
  'container.create': ['post', '/containers/create'],
  'container.update': ['post', '/containers/{id}/update'],
  'container.start': ['post', '/containers/{id}/start'],
  'container.commit': ['post', '/commit'],
  'container.exec.create': ['post', '/containers/{id}/exec'],
  'exec.start': ['post', '/exec/{id}/start'],
  'service.create': ['post', '/services/create'],
  'service.update': ['post', '/services/{id}/update'],
  'swarm.init': ['post', '/swarm/init'],
  'swarm.join': ['post', '/swarm/join'],
  'swarm.update': ['post', '/swarm/update'],
  'node.update': ['post', '/nodes/{id}/update'],
  'plugin.pull': ['post', '/plugins/pull'],
  'plugin.upgrade': ['post', '/plugins/{name}/upgrade'],
  'plugin.set': ['post', '/plugins/{name}/set'],
  'volume.create': ['post', '/volumes/create'],
  'volume.update': ['put', '/volumes/{name}'],
  'network.create': ['post', '/networks/create'],
  'network.connect': ['post', '/networks/{id}/connect'],
  'network.disconnect': ['post', '/networks/{id}/disconnect'],
  'secret.create': ['post', '/secrets/create'],
  'secret.update': ['post', '/secrets/{id}/update'],
  'config.create': ['post', '/configs/create'],
  'config.update': ['post', '/configs/{id}/update'],
};

/**
 * Spec paths dockgate deliberately does not read, because the Go type the engine decodes into has no
 * such field there: the engine ignores them, so they are refused as unknown instead of judged.
 */
const SPEC_PATHS_GO_DOES_NOT_READ: Readonly<Record<string, string>> = {
  'service TaskTemplate.PluginSpec.PluginPrivilege': 'Go reads plugin privileges from `privileges` (swarm.RuntimeSpec); PluginPrivilege folds to no field',
  'volume ClusterVolumeSpec.AccessMode.Secrets': 'the Go type has Secrets on ClusterVolumeSpec, not on AccessMode',
  'volume ClusterVolumeSpec.AccessMode.AccessibilityRequirements': 'the Go type has it on ClusterVolumeSpec, not on AccessMode',
  'volume ClusterVolumeSpec.AccessMode.CapacityRange': 'the Go type has it on ClusterVolumeSpec, not on AccessMode',
  'volume ClusterVolumeSpec.AccessMode.Availability': 'the Go type has it on ClusterVolumeSpec, not on AccessMode',
  'container.update Init': 'the specs list Init among Resources; it is a HostConfig field, and UpdateConfig has none',
};

function exceptionKey(operation: string, path: string): string {
  const family = operation.startsWith('service.') ? 'service' : operation.startsWith('volume.') ? 'volume' : operation;
  return `${family} ${path.replace(/^Spec\./, 'ClusterVolumeSpec.')}`;
}

type SpecSchema = {
  $ref?: string;
  type?: string;
  properties?: Record<string, SpecSchema>;
  additionalProperties?: SpecSchema | boolean;
  items?: SpecSchema;
  allOf?: SpecSchema[];
};

interface SpecDocument {
  definitions: Record<string, SpecSchema>;
  paths: Record<string, Record<string, { parameters?: { in: string; schema: SpecSchema }[] }>>;
}

/** One documented leaf or container: `HostConfig.Binds[]`, `Labels{}` (map values), with its spec type. */
interface SpecPath {
  segments: string[];
  type: string;
}

function loadSpec(spec: string): SpecDocument {
  return parseYaml(readFileSync(new URL(`../../../shared/docker-api/${spec}.yaml`, import.meta.url), 'utf8')) as SpecDocument;
}

function specPaths(document: SpecDocument, root: SpecSchema): SpecPath[] {
  const deref = (schema: SpecSchema): SpecSchema => {
    let current = schema;
    while (current.$ref !== undefined) current = document.definitions[current.$ref.split('/').pop()!]!;
    return current;
  };
  const out: SpecPath[] = [];
  const walk = (schema: SpecSchema, segments: string[], refs: readonly string[]): void => {
    const resolved = deref(schema);
    const properties: Record<string, SpecSchema> = {};
    let type = resolved.type;
    const merge = (part: SpecSchema): void => {
      const partResolved = deref(part);
      for (const inner of partResolved.allOf ?? []) merge(inner);
      Object.assign(properties, partResolved.properties ?? {});
      type ??= partResolved.type ?? (partResolved.properties ? 'object' : undefined);
    };
    merge(resolved);
    out.push({ segments, type: type ?? 'object' });
    const nextRefs = schema.$ref === undefined ? refs : [...refs, schema.$ref];
    if (schema.$ref !== undefined && refs.includes(schema.$ref)) return;
    for (const [name, property] of Object.entries(properties)) walk(property, [...segments, name], nextRefs);
    if (resolved.items) walk(resolved.items, [...segments, '[]'], nextRefs);
    if (typeof resolved.additionalProperties === 'object') walk(resolved.additionalProperties, [...segments, '{}'], nextRefs);
  };
  walk(root, [], []);
  return out;
}

/** The schema a path leads to, following `[]` into arrays and `{}` into maps; or why it leads nowhere. */
function schemaAt(root: BodySchema, segments: readonly string[]): BodySchema | string {
  let schema = root;
  for (const segment of segments) {
    if (segment === '[]') {
      if (schema.kind === 'array') schema = schema.items;
      else if (schema.kind === 'strSlice') schema = { kind: 'string' };
      else return `${segment}: not an array in the schema`;
    } else if (segment === '{}') {
      if (schema.kind !== 'map') return `${segment}: not a map in the schema`;
      schema = schema.values;
    } else {
      if (schema.kind !== 'object') return `${segment}: the schema has no object here`;
      const field = schema.byName.get(segment) ?? foldedFieldFor(schema, segment);
      if (field === undefined) return `${segment}: not a field of the schema`;
      schema = field.schema;
    }
  }
  return schema;
}

function compatible(specType: string, schema: BodySchema): boolean {
  switch (specType) {
    case 'string':
      return schema.kind === 'string' || schema.kind === 'strSlice';
    case 'boolean':
      return schema.kind === 'bool';
    case 'integer':
      return schema.kind === 'integer';
    case 'number':
      return schema.kind === 'float';
    case 'array':
      return schema.kind === 'array' || schema.kind === 'strSlice';
    case 'object':
      return schema.kind === 'object' || schema.kind === 'map';
    default:
      return false;
  }
}

function bodyParameter(document: SpecDocument, method: string, path: string): SpecSchema | undefined {
  return document.paths[path]?.[method]?.parameters?.find((parameter) => parameter.in === 'body')?.schema;
}

test('every inspected operation has a documented place in the specs (or is known to take no body)', () => {
  assert.deepEqual([...INSPECTED_OPERATIONS].sort(), Object.keys(SPEC_OPERATIONS).sort());
});

test('every property path of every inspected body in both specs is known to its schema, with a compatible type', () => {
  const missing: string[] = [];
  let checked = 0;
  for (const spec of SPECS) {
    const document = loadSpec(spec);
    for (const operation of INSPECTED_OPERATIONS) {
      const [method, path] = SPEC_OPERATIONS[operation]!;
      const body = bodyParameter(document, method, path);
      if (body === undefined) continue;
      const schema = bodySchemaOf(operation)!;
      for (const { segments, type } of specPaths(document, body)) {
        const shown = segments.join('.').replaceAll('.[]', '[]').replaceAll('.{}', '{}');
        if (SPEC_PATHS_GO_DOES_NOT_READ[exceptionKey(operation, shown)] !== undefined) continue;
        if (segments.some((_, i) => SPEC_PATHS_GO_DOES_NOT_READ[exceptionKey(operation, segments.slice(0, i).join('.'))] !== undefined)) continue;
        checked++;
        const found = schemaAt(schema, segments);
        if (typeof found === 'string') missing.push(`${spec} ${operation} ${shown || '(root)'}: ${found}`);
        else if (!compatible(type, found)) missing.push(`${spec} ${operation} ${shown || '(root)'}: spec type ${type}, schema ${found.kind}`);
      }
    }
  }
  assert.ok(checked > 1_000, `both specs walked (${checked} paths)`);
  assert.deepEqual(missing, [], `spec paths the schemas do not know:\n${missing.join('\n')}`);
});

test('the listed spec/Go disagreements are real: each is in a spec and refused by the schema', () => {
  const documents = SPECS.map(loadSpec);
  for (const key of Object.keys(SPEC_PATHS_GO_DOES_NOT_READ)) {
    const [family, path] = key.split(' ') as [string, string];
    const operation = family === 'service' ? 'service.create' : family === 'volume' ? 'volume.create' : family;
    assert.ok(isOperation(operation), `${key} names an operation`);
    const [method, specPath] = SPEC_OPERATIONS[operation]!;
    const documented = documents.some((document) => specPaths(document, bodyParameter(document, method, specPath)!).some((entry) => entry.segments.join('.') === path));
    assert.ok(documented, `${key} is documented in a spec`);
    assert.equal(typeof schemaAt(bodySchemaOf(operation)!, path.split('.')), 'string', `${key} is not read by the schema`);
  }
});

test('fields the Go types read beyond the specs are known (the Docker CLI sends several of them)', () => {
  const beyondSpecs: [Operation, string][] = [
    ['container.create', 'HostConfig.Annotations.{}'],
    ['container.create', 'HostConfig.KernelMemory'],
    ['container.create', 'MacAddress'],
    ['container.create', 'NetworkingConfig.EndpointsConfig.{}.DNSNames.[]'],
    ['container.exec.create', 'Detach'],
    ['container.exec.create', 'ConsoleSize.[]'],
    ['swarm.init', 'AutoLockManagers'],
    ['swarm.init', 'Availability'],
    ['swarm.join', 'Availability'],
    ['service.create', 'TaskTemplate.ContainerSpec.Healthcheck.StartInterval'],
    ['service.create', 'TaskTemplate.PluginSpec.privileges.[].value.[]'],
    ['service.create', 'TaskTemplate.ContainerSpec.Mounts.[].ClusterOptions'],
    ['volume.create', 'ClusterVolumeSpec.AccessMode.MountVolume.FsType'],
    ['volume.create', 'ClusterVolumeSpec.Secrets.[].Secret'],
    ['network.create', 'CheckDuplicate'],
    ['network.create', 'EnableIPv4'],
  ];
  for (const [operation, path] of beyondSpecs) {
    const found = schemaAt(bodySchemaOf(operation)!, path.split('.'));
    assert.notEqual(typeof found, 'string', `${operation} ${path}: ${typeof found === 'string' ? found : 'a schema'}`);
  }
});

test('deliberate negatives: what must stay unknown is unknown, and the walker reports what a schema lacks', () => {
  const create = bodySchemaOf('container.create')!;
  // Root-level HostConfig fields are read (engines up to 26 apply them) as the embedded legacy HostConfig.
  assert.equal(create.kind === 'object' && create.byName.get('Binds')?.embeddedIn, 'HostConfig');
  assert.equal(create.kind === 'object' && create.byName.get('Image')?.embeddedIn, 'Config');
  assert.equal(create.kind === 'object' && create.byName.get('HostConfig')?.embeddedIn, undefined);
  // Removed by API 1.41 (engines ignore or reject it); judging it would only hide that.
  assert.equal(typeof schemaAt(create, ['HostConfig', 'Capabilities']), 'string');
  // Case variants are the field Go folds them to.
  assert.equal(schemaAt(create, ['hostconfig']), schemaAt(create, ['HostConfig']));
  assert.equal(schemaAt(create, ['HostConfig', 'privileged']), schemaAt(create, ['HostConfig', 'Privileged']));
  // A container spec of a service has no Privileged field (unlike a container's HostConfig).
  assert.equal(typeof schemaAt(bodySchemaOf('service.create')!, ['TaskTemplate', 'ContainerSpec', 'Privileged']), 'string');
  // The walker itself finds a property the schema lacks.
  const document: SpecDocument = { definitions: {}, paths: {} };
  const fake: SpecSchema = { type: 'object', properties: { Image: { type: 'string' }, Bogus: { type: 'object', properties: { X: { type: 'integer' } } } } };
  const unknown = specPaths(document, fake).filter(({ segments }) => typeof schemaAt(create, segments) === 'string');
  assert.deepEqual(
    unknown.map(({ segments }) => segments.join('.')),
    ['Bogus', 'Bogus.X'],
  );
  // And a type mismatch is caught.
  assert.equal(compatible('boolean', schemaAt(create, ['HostConfig', 'Binds']) as BodySchema), false);
});
