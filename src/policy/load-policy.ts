// Reads a YAML policy file into a policy: YAML with positions (the `yaml` package), validated by the
// strict schema (zod), every problem reported as file:line:column. Rules are kept in file order; the
// first rule that selects a client decides for it.
import { LineCounter, parseDocument } from 'yaml';
import type { z } from 'zod';
import type { ContainerConstraints, ContainerDefaults } from '../judge/container-constraints.js';
import { normaliseCapability } from '../judge/reach/capabilities.js';
import { parseRedaction, redactsAnything } from '../judge/redaction.js';
import { readTrustedFile, UntrustedFileError } from '../files/trusted-file.js';
import { presetBase, profileBase } from './builtin-policies.js';
import { PolicyFileError, type PolicyProblem } from './policy-file-error.js';
import type { BodyReading, PolicyRule } from './policy-rule.js';
import { policyFileSchema, readOwnerSource, type PolicyFile, type PolicyFileConstraints, type PolicyFileRule } from './policy-schema.js';
import { RulePolicy } from './rule-policy.js';
import type { ContainerSelector, IdentitySelector } from './identity-selector.js';
import { describePath, positionOf } from './yaml-positions.js';
import type { OwnerSource } from '../judge/owner/owner-source.js';

export interface LoadPolicyOptions {
  /** A name for messages when the policy is given as text (default `<policy>`). */
  name?: string;
  /** Host paths never allowed in binds beyond the engine sockets and the file's own `protected-paths`. */
  protectedPaths?: readonly string[];
  /** How rules without their own `bodies:` take canonicalised requests (`dockgate serve --bodies`). */
  bodies?: BodyReading;
  /** Told what is risky about the file itself (another owner, group-writable); default: nobody. */
  warn?: (message: string) => void;
}

/** The policy file's text, opened as a file the gateway trusts (src/files/trusted-file.ts). */
export function readPolicyFile(file: string, options: LoadPolicyOptions): string {
  try {
    const { content, warnings } = readTrustedFile(file, 'policy file');
    for (const warning of warnings) options.warn?.(warning);
    return content.toString('utf8');
  } catch (err) {
    const why = err instanceof UntrustedFileError ? `${err.why}. ${err.fix}` : `cannot read the policy file (${(err as NodeJS.ErrnoException).code ?? String(err)})`;
    throw new PolicyFileError(file, [{ line: 1, column: 1, message: why }]);
  }
}

const EXPECTED: Readonly<Record<string, string>> = {
  boolean: 'true or false',
  number: 'a number',
  string: 'a string',
  array: 'a list',
  object: 'a mapping of keys to values',
};

function issueMessage(issue: z.core.$ZodIssue, got: string | undefined): string {
  switch (issue.code) {
    case 'invalid_type': {
      const expected = EXPECTED[issue.expected] ?? issue.expected;
      return `expected ${expected}${got !== undefined ? `, got ${got}` : ''}`;
    }
    case 'invalid_value':
      return issue.message.startsWith('Invalid') ? `expected one of: ${issue.values.map(String).join(', ')}` : issue.message;
    default:
      return issue.message;
  }
}

/** Parses and validates policy text; throws PolicyFileError with every problem's position. */
export function parsePolicyText(text: string, file: string, options: LoadPolicyOptions = {}): RulePolicy {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: true });
  if (doc.errors.length > 0) {
    throw new PolicyFileError(
      file,
      doc.errors.map((e) => ({ line: e.linePos?.[0].line ?? 1, column: e.linePos?.[0].col ?? 1, message: `YAML: ${e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')}` })),
    );
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    throw new PolicyFileError(file, [{ line: 1, column: 1, message: `YAML: ${(err as Error).message}` }]);
  }
  if (value === null || value === undefined) throw new PolicyFileError(file, [{ line: 1, column: 1, message: 'the policy is empty; it needs a rules: list' }]);
  const parsed = policyFileSchema.safeParse(value);
  if (!parsed.success) {
    const problems: PolicyProblem[] = parsed.error.issues.map((issue) => {
      const key = issue.code === 'unrecognized_keys' ? String(issue.keys[0]) : undefined;
      const at = positionOf(doc, lines, issue.path, key);
      const where = describePath(key === undefined ? issue.path : [...issue.path, key]);
      return { line: at.line, column: at.column, message: `${where === '' ? '' : `${where}: `}${issueMessage(issue, at.text)}` };
    });
    throw new PolicyFileError(file, problems);
  }
  return compilePolicy(parsed.data, file, options);
}

/** Reads a policy file, or policy text when the argument spans lines; throws PolicyFileError. */
export function loadPolicy(fileOrText: string, options: LoadPolicyOptions = {}): RulePolicy {
  if (fileOrText.includes('\n')) return parsePolicyText(fileOrText, options.name ?? '<policy>', options);
  return parsePolicyText(readPolicyFile(fileOrText, options), fileOrText, options);
}

function compilePolicy(file: PolicyFile, source: string, options: LoadPolicyOptions): RulePolicy {
  const rules = file.rules.map((rule, i) => compileRule(rule, i));
  const protectedPaths = [...(options.protectedPaths ?? []), ...(file['protected-paths'] ?? [])];
  return new RulePolicy(source, rules, { source, protectedPaths, ...(options.bodies !== undefined && { bodies: options.bodies }) });
}

function compileRule(rule: PolicyFileRule, index: number): PolicyRule {
  const base = rule.preset !== undefined ? presetBase(rule.preset) : profileBase(rule.profile ?? 'baseline');
  const ownOperations = rule.operations !== undefined;
  const constraints = base.constraints === 'unrestricted' ? 'unrestricted' : mergeConstraints(base.constraints, rule.constraints ?? {});
  const defaults = rule.defaults && compileDefaults(rule.defaults);
  const match = rule.match ? compileMatch(rule.match) : undefined;
  // `redact: []` turns the profile's or preset's redaction off.
  const redact = rule.redact !== undefined ? parseRedaction(rule.redact) : base.redact;
  return {
    rule: `policy.${rule.name ?? `rules[${index}]`}`,
    label: rule.name !== undefined ? `rule ${JSON.stringify(rule.name)}` : `rules[${index}]`,
    ...(match !== undefined && { match }),
    operations: { patterns: rule.operations ?? base.operations, except: rule.except ?? (ownOperations ? [] : base.except) },
    constraints,
    ...(defaults !== undefined && { defaults }),
    mode: rule.mode ?? 'enforce',
    ...(rule.bodies !== undefined && { bodies: rule.bodies }),
    ...(!ownOperations && base.refusal !== undefined && { refusal: base.refusal }),
    ...(rule.owner !== undefined && { owner: compileOwner(rule.owner) }),
    ...(rule.shared !== undefined && { shared: rule.shared }),
    ...(redact !== undefined && redactsAnything(redact) && { redact }),
  };
}

/** The schema has checked the owner (readOwnerSource), so a problem here is a bug. */
function compileOwner(owner: NonNullable<PolicyFileRule['owner']>): OwnerSource {
  const source = readOwnerSource(owner);
  if ('problem' in source) throw new Error(`unreachable: the schema let through an owner with a problem (${source.problem})`);
  return source;
}

function compileMatch(match: NonNullable<PolicyFileRule['match']>): IdentitySelector {
  const { container, ...rest } = match;
  if (container === undefined) return rest;
  const selector: ContainerSelector = {
    ...(container.name !== undefined && { name: container.name.map((n) => n.replace(/^\//, '')) }),
    ...(container.image !== undefined && { image: container.image }),
    ...(container.label !== undefined && { label: container.label }),
    ...(container['compose-project'] !== undefined && { composeProject: container['compose-project'] }),
    ...(container['compose-service'] !== undefined && { composeService: container['compose-service'] }),
  };
  return { ...rest, container: selector };
}

function mergeConstraints(base: ContainerConstraints, c: PolicyFileConstraints): ContainerConstraints {
  const limit = (own: { required?: boolean | undefined; max?: number | undefined } | undefined, from: ContainerConstraints['memory']): ContainerConstraints['memory'] => {
    const max = own?.max ?? from.max;
    return { required: own?.required ?? (own?.max !== undefined ? true : from.required), ...(max !== undefined && { max }) };
  };
  const namespaces = c['host-namespaces'];
  return {
    bindRoots: [...base.bindRoots, ...(c['allow-bind'] ?? [])],
    privileged: c.privileged ?? base.privileged,
    capAdd: c['cap-add']?.map(normaliseCapability) ?? base.capAdd,
    requireDropAll: c['cap-drop-all'] ?? base.requireDropAll,
    devices: c.devices ?? base.devices,
    hostNamespaces:
      namespaces === undefined
        ? base.hostNamespaces
        : {
            pid: namespaces.includes('pid'),
            ipc: namespaces.includes('ipc'),
            uts: namespaces.includes('uts'),
            user: namespaces.includes('user'),
            cgroup: namespaces.includes('cgroup'),
            network: namespaces.includes('network'),
          },
    unconfined: c.unconfined ?? base.unconfined,
    apparmorProfiles: c['apparmor-profiles'] ?? base.apparmorProfiles,
    topArguments: c['top-arguments'] ?? base.topArguments,
    sysctls: c.sysctls ?? base.sysctls,
    runtimes: c.runtimes ?? base.runtimes,
    cgroupParent: c['cgroup-parent'] ?? base.cgroupParent,
    volumeDrivers: c['volume-drivers'] ?? base.volumeDrivers,
    requireNonRoot: c['non-root'] ?? base.requireNonRoot,
    requireNoNewPrivileges: c['no-new-privileges'] ?? base.requireNoNewPrivileges,
    memory: limit(c.memory, base.memory),
    pids: limit(c.pids, base.pids),
    cpu: limit(c.cpus, base.cpu),
    ports: {
      hostIps: c.ports?.['host-ips'] ?? base.ports.hostIps,
      min: c.ports?.min ?? base.ports.min,
      max: c.ports?.max ?? base.ports.max,
      publishAll: c.ports?.['publish-all'] ?? base.ports.publishAll,
    },
    images: c.images ?? base.images,
    logDrivers: c['log-drivers'] ?? base.logDrivers,
    networkDrivers: c['network-drivers'] ?? base.networkDrivers,
    plugins: c.plugins ?? base.plugins,
    swarm: c.swarm ?? base.swarm,
    buildkit: c.buildkit ?? base.buildkit,
    remoteFetch: c['remote-fetch'] ?? base.remoteFetch,
  };
}

function compileDefaults(d: NonNullable<PolicyFileRule['defaults']>): ContainerDefaults {
  return {
    ...(d.labels !== undefined && { labels: d.labels }),
    ...(d['no-new-privileges'] !== undefined && { noNewPrivileges: d['no-new-privileges'] }),
    ...(d['cap-drop'] !== undefined && { capDrop: d['cap-drop'] }),
    ...(d.memory !== undefined && { memory: d.memory }),
    ...(d['pids-limit'] !== undefined && { pidsLimit: d['pids-limit'] }),
    ...(d.cpus !== undefined && { nanoCpus: d.cpus }),
    ...(d['read-only-rootfs'] !== undefined && { readonlyRootfs: d['read-only-rootfs'] }),
  };
}
