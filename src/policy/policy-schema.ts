// The policy file's schema: strict objects (an unknown key is an error that names the keys allowed
// there), kebab-case keys, and every value checked where it is written (operation patterns against
// the route table, bind roots on the host, sizes and CPU counts), so a problem is reported at its
// line and column rather than discovered when a request arrives.
import { isAbsolute } from 'node:path';
import { z } from 'zod';
import { parseBindRoot } from './bind-roots.js';
import { redactEntryProblem } from '../judge/redaction.js';
import { PRESET_NAMES } from '../judge/profiles/application-presets.js';
import { BUILTIN_PROFILE_NAMES } from './builtin-policies.js';
import { patternProblem } from './operation-grant.js';
import { BODY_READINGS } from './policy-rule.js';
import { parseCpus, parseSize } from './policy-units.js';
import { editDistance } from './edit-distance.js';
import { CALLER, OWNER_FIELDS, ownerProblem, SHARED_KINDS, type OwnerSource } from '../judge/owner/owner-source.js';

export function unknownKeyMessage(key: string, allowed: readonly string[]): string {
  const near = allowed
    .map((k) => ({ k, d: editDistance(key.toLowerCase(), k.toLowerCase()) }))
    .filter(({ k, d }) => d <= Math.max(2, Math.floor(k.length / 4)))
    .sort((a, b) => a.d - b.d)[0];
  return `unknown key ${JSON.stringify(key)}${near ? ` (did you mean ${JSON.stringify(near.k)}?)` : ''}; allowed keys here: ${allowed.join(', ')}`;
}

/** A strict object whose unknown-key error names the keys allowed there. */
function strict<T extends z.ZodRawShape>(shape: T) {
  const keys = Object.keys(shape);
  return z.strictObject(shape, {
    error: (issue) => (issue.code === 'unrecognized_keys' ? unknownKeyMessage(String(issue.keys[0]), keys) : undefined),
  });
}

/** A value or a list of values; a single value is read as a list of one. */
function oneOrMany<T extends z.ZodType>(item: T) {
  return z.preprocess((value) => (Array.isArray(value) || value === undefined ? value : [value]), z.array(item));
}

const uid = z.number({ error: 'expected a numeric id' }).int('expected a whole number').min(0, 'ids are 0 or more');
const text = z.string({ error: 'expected a string' });

const operationPattern = text.superRefine((pattern, ctx) => {
  const problem = patternProblem(pattern);
  if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
});

const redactEntry = text.superRefine((entry, ctx) => {
  const problem = redactEntryProblem(entry);
  if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
});

const bindRoot = text.transform((value, ctx) => {
  try {
    return parseBindRoot(value);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: (err as Error).message });
    return z.NEVER;
  }
});

/** A value read by parse, which answers undefined for what it cannot read; expected says what was expected. */
function readBy<T>(parse: (value: unknown) => T | undefined, expected: string) {
  return z.unknown().transform((value, ctx) => {
    const parsed = parse(value);
    if (parsed === undefined) {
      ctx.addIssue({ code: 'custom', message: expected });
      return z.NEVER;
    }
    return parsed;
  });
}

const size = readBy(parseSize, 'expected a size such as 512m, 2g or a number of bytes');
const cpus = readBy(parseCpus, 'expected a number of CPUs such as 1 or 1.5');

const count = z.number({ error: 'expected a number' }).int('expected a whole number').positive('expected a number above 0');
const port = z.number({ error: 'expected a port number' }).int('expected a whole number').min(1, 'ports are 1 to 65535').max(65535, 'ports are 1 to 65535');
const flag = z.boolean({ error: 'expected true or false' });

/** Label keys as Docker takes them: non-empty, no whitespace. */
const labelKey = z.string().regex(/^\S+$/, 'label keys are non-empty and hold no spaces');

export const containerMatchSchema = strict({
  name: oneOrMany(text.regex(/^\/?[a-zA-Z0-9][a-zA-Z0-9_.-]*$/, 'container names are letters, digits, "_", "." and "-" (as the engine allows them)')).optional(),
  image: oneOrMany(text.min(1, 'expected an image reference')).optional(),
  label: z.record(labelKey, text, { error: 'expected a mapping of label keys to values' }).optional(),
  'compose-project': oneOrMany(text.min(1, 'expected a Compose project name')).optional(),
  'compose-service': oneOrMany(text.min(1, 'expected a Compose service name')).optional(),
}).refine((c) => Object.values(c).some((v) => v !== undefined), {
  message: 'container needs at least one of: name, image, label, compose-project, compose-service',
  // Only when the keys themselves are right: a misspelt key is reported once, as unknown.
  when: (payload) => payload.issues.length === 0,
});

export const matchSchema = strict({
  uid: oneOrMany(uid).optional(),
  gid: oneOrMany(uid).optional(),
  user: oneOrMany(text).optional(),
  group: oneOrMany(text).optional(),
  cn: oneOrMany(text).optional(),
  o: oneOrMany(text).optional(),
  ou: oneOrMany(text).optional(),
  san: oneOrMany(text).optional(),
  fingerprint: oneOrMany(text).optional(),
  listener: oneOrMany(text).optional(),
  container: containerMatchSchema.optional(),
});

const HOST_NAMESPACES = ['pid', 'ipc', 'uts', 'user', 'cgroup', 'network'] as const;

export const constraintsSchema = strict({
  'allow-bind': z.array(bindRoot).optional(),
  privileged: flag.optional(),
  'cap-add': z.array(text).optional(),
  'cap-drop-all': flag.optional(),
  devices: flag.optional(),
  'host-namespaces': z.array(z.enum(HOST_NAMESPACES, { error: `expected one of: ${HOST_NAMESPACES.join(', ')}` })).optional(),
  unconfined: flag.optional(),
  'apparmor-profiles': z.array(text).optional(),
  'top-arguments': z.enum(['any', 'safe'], { error: 'expected any or safe' }).optional(),
  sysctls: z.array(text).optional(),
  runtimes: z.array(text).optional(),
  'cgroup-parent': flag.optional(),
  'volume-drivers': z.array(text).optional(),
  'non-root': flag.optional(),
  'no-new-privileges': flag.optional(),
  memory: strict({ required: flag.optional(), max: size.optional() }).optional(),
  pids: strict({ required: flag.optional(), max: count.optional() }).optional(),
  cpus: strict({ required: flag.optional(), max: cpus.optional() }).optional(),
  ports: strict({
    'host-ips': z.array(text).optional(),
    min: port.optional(),
    max: port.optional(),
    'publish-all': flag.optional(),
  }).optional(),
  images: z.array(text).optional(),
  'log-drivers': z.array(text).optional(),
  'network-drivers': z.array(text).optional(),
  plugins: flag.optional(),
  swarm: flag.optional(),
  buildkit: flag.optional(),
  'remote-fetch': flag.optional(),
});

export const defaultsSchema = strict({
  labels: z.record(z.string(), text).optional(),
  'no-new-privileges': flag.optional(),
  'cap-drop': z.array(text).optional(),
  memory: size.optional(),
  'pids-limit': count.optional(),
  cpus: cpus.optional(),
  'read-only-rootfs': flag.optional(),
});

const CONTAINER_LABEL = 'container-label:';
const OWNER_FROM = [...OWNER_FIELDS, `${CONTAINER_LABEL}KEY`, CALLER].join(' | ');

/** `owner: NAME` or `owner: { from: ... }`; what each says is checked with the rule (ownerSourceProblem), where its position is known. */
const ownerSchema = z.union([text, strict({ from: text })], { error: `expected an owner name, or { from: ${OWNER_FROM} }` });

/** Where an owner written in a policy file comes from, or the problem with it and where it lies. */
export function readOwnerSource(owner: string | { from: string }): OwnerSource | { problem: string; path: string[] } {
  if (typeof owner === 'string') {
    const problem = ownerProblem(owner);
    return problem === undefined ? { kind: 'fixed', name: owner } : { problem, path: ['owner'] };
  }
  const field = OWNER_FIELDS.find((f) => f === owner.from);
  if (field !== undefined) return { kind: 'from', field };
  if (owner.from === CALLER) return { kind: CALLER };
  if (!owner.from.startsWith(CONTAINER_LABEL)) return { problem: `expected one of: ${OWNER_FROM}`, path: ['owner', 'from'] };
  const key = owner.from.slice(CONTAINER_LABEL.length);
  if (/^\S+$/.test(key)) return { kind: 'container-label', key };
  return { problem: 'container-label: needs the label key after it, with no spaces (container-label:com.example.tenant)', path: ['owner', 'from'] };
}

export const ruleSchema = strict({
  name: text.regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'rule names are letters, digits, ".", "_" and "-"').optional(),
  match: matchSchema.nullable().optional(),
  profile: z.enum(BUILTIN_PROFILE_NAMES, { error: `expected one of: ${BUILTIN_PROFILE_NAMES.join(', ')}` }).optional(),
  preset: z.enum(PRESET_NAMES, { error: `expected one of: ${PRESET_NAMES.join(', ')}` }).optional(),
  operations: z.array(operationPattern).optional(),
  except: z.array(operationPattern).optional(),
  mode: z.enum(['enforce', 'warn'], { error: 'expected enforce or warn' }).optional(),
  bodies: z.enum(BODY_READINGS, { error: `expected ${BODY_READINGS.join(' or ')}` }).optional(),
  constraints: constraintsSchema.optional(),
  defaults: defaultsSchema.optional(),
  owner: ownerSchema.optional(),
  shared: z.array(z.enum(SHARED_KINDS, { error: `expected one of: ${SHARED_KINDS.join(', ')}` })).optional(),
  redact: z.array(redactEntry).optional(),
}).superRefine((rule, ctx) => {
  const owner = rule.owner === undefined ? undefined : readOwnerSource(rule.owner);
  if (owner !== undefined && 'problem' in owner) ctx.addIssue({ code: 'custom', path: owner.path, message: owner.problem });
  if (rule.shared !== undefined && rule.owner === undefined) {
    ctx.addIssue({ code: 'custom', path: ['shared'], message: 'shared names what clients with an owner may use across owners; this rule gives its clients no owner: add owner:' });
  }
  if (rule.profile === undefined && rule.preset === undefined && rule.operations === undefined) {
    ctx.addIssue({ code: 'custom', message: 'a rule needs operations, or a profile or preset to take them from (baseline, restricted, read-only, audit; or an application preset)' });
  }
  if (rule.profile !== undefined && rule.preset !== undefined) {
    ctx.addIssue({
      code: 'custom',
      path: ['preset'],
      message: "profile and preset go separately: a preset is a policy of its own (the application's calls, judged under baseline's constraints)",
    });
  }
  if (rule.profile === 'audit' && (rule.constraints !== undefined || rule.defaults !== undefined)) {
    ctx.addIssue({
      code: 'custom',
      path: [rule.constraints !== undefined ? 'constraints' : 'defaults'],
      message: 'the audit profile judges no container reach, so it takes no constraints or defaults; start from profile: baseline instead',
    });
  }
});

export const policyFileSchema = strict({
  version: z.literal(1, { error: 'expected 1' }).optional(),
  'protected-paths': z.array(text.refine((p) => isAbsolute(p), 'expected an absolute path')).optional(),
  rules: z.array(ruleSchema, { error: 'expected a list of rules' }).min(1, 'a policy needs at least one rule'),
}).superRefine((file, ctx) => {
  const seen = new Map<string, number>();
  file.rules.forEach((rule, i) => {
    if (rule.name === undefined) return;
    const first = seen.get(rule.name);
    if (first !== undefined) ctx.addIssue({ code: 'custom', path: ['rules', i, 'name'], message: `the rule name ${JSON.stringify(rule.name)} is already used by rules[${first}]` });
    else seen.set(rule.name, i);
  });
});

export type PolicyFile = z.output<typeof policyFileSchema>;
export type PolicyFileRule = z.output<typeof ruleSchema>;
export type PolicyFileConstraints = z.output<typeof constraintsSchema>;
