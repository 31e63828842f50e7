// The route table against the Engine API specs: every documented path and method of v1.41 (the engine
// here) and v1.56 (the newest clients) must classify, with the target kind and reference its path names;
// and the only rows no spec documents are the undocumented routes moby's routers serve.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { parseRequestTarget } from '../../src/route/request-target.js';
import { classifyRoute } from '../../src/route/route-table.js';
import { ROUTE_ROWS } from '../../src/route/routes.js';
import type { ObjectKind } from '../../src/route/route.js';

const SPECS = ['v1.41', 'v1.56'] as const;
const HTTP_METHODS = new Set(['get', 'head', 'post', 'put', 'delete', 'patch', 'options']);

interface SpecOperation {
  spec: string;
  method: string;
  path: string;
}

function specOperations(): SpecOperation[] {
  const operations: SpecOperation[] = [];
  for (const spec of SPECS) {
    const text = readFileSync(new URL(`../../../shared/docker-api/${spec}.yaml`, import.meta.url), 'utf8');
    const document = parseYaml(text) as { paths: Record<string, Record<string, unknown>> };
    for (const [path, item] of Object.entries(document.paths)) {
      for (const method of Object.keys(item)) {
        if (HTTP_METHODS.has(method)) operations.push({ spec, method: method.toUpperCase(), path });
      }
    }
  }
  return operations;
}

/** Sample references: image-like names carry a registry port, slashes and a tag, the hard case for routing. */
const SAMPLE_BY_FIRST_SEGMENT: Record<string, { kind: ObjectKind; ref: string }> = {
  containers: { kind: 'container', ref: 'web_1' },
  exec: { kind: 'exec', ref: '4f1c0e2b9a7d' },
  images: { kind: 'image', ref: 'registry.example.com:5000/team/app:1.0' },
  distribution: { kind: 'image', ref: 'registry.example.com:5000/team/app:1.0' },
  plugins: { kind: 'plugin', ref: 'registry.example.com:5000/vieux/sshfs:latest' },
  volumes: { kind: 'volume', ref: 'data-1' },
  networks: { kind: 'network', ref: 'backend' },
  services: { kind: 'service', ref: 'svc1' },
  nodes: { kind: 'node', ref: 'node1' },
  tasks: { kind: 'task', ref: 'task1' },
  secrets: { kind: 'secret', ref: 'secret1' },
  configs: { kind: 'config', ref: 'config1' },
};

const SPEC_VARIABLE = /\{[^}]+\}/;

test('every path and method of both specs classifies with the target kind and reference its path names', () => {
  const operations = specOperations();
  assert.ok(operations.length > 200, `both specs loaded (${operations.length} operations)`);
  const failures: string[] = [];
  for (const { spec, method, path } of operations) {
    const firstSegment = path.split('/')[1]!;
    const sample = SPEC_VARIABLE.test(path) ? SAMPLE_BY_FIRST_SEGMENT[firstSegment] : undefined;
    if (SPEC_VARIABLE.test(path) && !sample) {
      failures.push(`${spec} ${method} ${path}: the test has no sample for /${firstSegment}`);
      continue;
    }
    const spellings = sample ? [...new Set([path.replace(SPEC_VARIABLE, sample.ref), path.replace(SPEC_VARIABLE, encodeURIComponent(sample.ref))])] : [path];
    for (const concrete of spellings) {
      const target = parseRequestTarget(`/${spec}${concrete}`, [1, 24]);
      const route = classifyRoute(method, target);
      const label = `${spec} ${method} ${concrete}`;
      if (!route) {
        failures.push(`${label}: not classified`);
      } else if (sample && (route.target?.kind !== sample.kind || route.target.ref !== sample.ref)) {
        failures.push(`${label}: ${route.operation} targets ${JSON.stringify(route.target)}, expected ${sample.kind} ${sample.ref}`);
      } else if (!sample && route.target) {
        failures.push(`${label}: ${route.operation} has a target although the path names none`);
      }
    }
  }
  assert.deepEqual(failures, [], `routes the table gets wrong:\n${failures.join('\n')}`);
});

/** moby templates and spec paths written alike: every variable as `{}`. */
function shape(method: string, path: string): string {
  return `${method} ${path.replace(/\{[^}]+\}/g, '{}')}`;
}

test('the only rows no spec documents are the undocumented routes moby serves', () => {
  const documented = new Set(specOperations().map(({ method, path }) => shape(method, path)));
  const undocumented = ROUTE_ROWS.filter((row) => !documented.has(shape(row.method, row.path))).map((row) => `${row.method} ${row.path}`);
  assert.deepEqual(undocumented, [
    'GET /containers/{name:.*}/checkpoints',
    'POST /containers/{name:.*}/checkpoints',
    'DELETE /containers/{name}/checkpoints/{checkpoint}',
    'POST /containers/{name:.*}/copy',
    'POST /build/cancel',
    'GET /debug/vars',
    'GET /debug/pprof/cmdline',
    'GET /debug/pprof/profile',
    'GET /debug/pprof/symbol',
    'GET /debug/pprof/trace',
    'GET /debug/pprof/{name}',
    'POST /grpc',
  ]);
});

test('no two rows share a method and template', () => {
  const seen = new Set<string>();
  for (const row of ROUTE_ROWS) {
    const key = shape(row.method, row.path);
    assert.ok(!seen.has(key), `duplicate row ${key}`);
    seen.add(key);
  }
});

test('unknown routes are not classified', () => {
  const unknown: Array<[string, string]> = [
    ['GET', '/containers/x/bogus'],
    ['GET', '/v1.41/foo'],
    ['GET', '/foo'],
    ['POST', '/containers/json'],
    ['GET', '/containers'],
    ['PATCH', '/containers/x/update'],
    ['OPTIONS', '/v1.41/containers/json'],
    ['get', '/_ping'],
    ['HEAD', '/containers/x/json'],
    ['HEAD', '/v1.41/version'],
    ['GET', '/services/a/b'],
    ['GET', '/v1.41/v1.41/_ping'],
    ['POST', '/debug/vars'],
  ];
  for (const [method, raw] of unknown) {
    assert.equal(classifyRoute(method, parseRequestTarget(raw, [1, 24])), undefined, `${method} ${raw}`);
  }
});
