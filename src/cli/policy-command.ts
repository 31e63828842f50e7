// `dockgate policy check FILE` validates a policy file (exit 0 with a summary, or file:line:column
// and exit 1); `dockgate policy explain` shows how a policy decides one request: which rule selected
// the client and why, whether the operation is granted, the result of every check, the defaults it
// applies and the decision (exit 0 allow, 1 deny). What they print quotes others' text (the request's
// paths and names, the engine's answers with --upstream, the policy file's names): every line is shown
// inert (src/log/inert-text.ts), so none of it can act on the terminal or start a line of its own.
// `dockgate policy learn` writes a policy from an audit log (src/learn/).
import { readFileSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { ConfigError, readingConfig } from '../errors/config-error.js';
import { createEngineLookup } from '../forward/engine-client.js';
import { createUpstream, type Upstream } from '../forward/upstream.js';
import type { ContainerIdentity, Identity } from '../identify/identity.js';
import { containerIdentity } from '../identify/container-peer.js';
import { describeContainerSelector, type ContainerSelector } from '../policy/identity-selector.js';
import { choicePolicy } from '../policy/builtin-policies.js';
import { PRESET_NAMES } from '../judge/profiles/application-presets.js';
import { judge, NO_ENGINE } from '../decide/library-judge.js';
import { inertText } from '../log/inert-text.js';
import { loadPolicy } from '../policy/load-policy.js';
import { PolicyFileError } from '../policy/policy-file-error.js';
import type { PolicyRule } from '../policy/policy-rule.js';
import { describeOwnerSource } from '../judge/owner/owner-source.js';
import type { RulePolicy, TraceStep } from '../policy/rule-policy.js';
import { OPERATION_NAMES } from '../route/operations.js';
import { learnPolicy, parseSince } from '../learn/learn-policy.js';
import { GROUPINGS, type Grouping } from '../learn/learned-identity.js';
import type { Widening } from '../learn/learned-rule.js';

interface ExplainOptions {
  policy?: string;
  profile?: string;
  preset?: string;
  allowBind: string[];
  identity: string;
  method: string;
  path: string;
  body?: string;
  contentType: string;
  upstream?: string;
  owner?: string;
}

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

interface LearnCommandOptions {
  auditLog: string;
  since?: string;
  merge?: string;
  out?: string;
  widen: string[];
  by: string;
}

/** `--widen container,image` (repeatable) or `--widen all`: families are the first word of operation names that have more than one. */
function parseWidening(values: readonly string[]): Widening {
  const families = values
    .flatMap((v) => v.split(','))
    .map((f) => f.trim())
    .filter((f) => f !== '');
  if (families.includes('all')) return 'all';
  const known = [...new Set(OPERATION_NAMES.filter((op) => op.includes('.')).map((op) => op.slice(0, op.indexOf('.'))))].sort();
  for (const family of families) if (!known.includes(family)) throw new ConfigError(`--widen ${family}: not an operation family (known: ${known.join(', ')}, or all)`);
  return new Set(families);
}

function parseGrouping(value: string): Grouping {
  const grouping = GROUPINGS.find((g) => g === value);
  if (grouping === undefined) throw new ConfigError(`--by ${value}: expected one of ${GROUPINGS.join(', ')}`);
  return grouping;
}

/** `uid=1000,gid=1000,user=alice` (unix) or `cn=alice,o=Example,san=DNS:a.example` (TLS); `listener=` for either. */
export function parseIdentity(text: string): Identity {
  const fields = new Map<string, string[]>();
  for (const part of text.split(',')) {
    const eq = part.indexOf('=');
    if (eq <= 0) throw new ConfigError(`--identity ${text}: expected key=value pairs such as uid=1000,gid=1000 or cn=alice`);
    const key = part.slice(0, eq).trim();
    fields.set(key, [...(fields.get(key) ?? []), part.slice(eq + 1).trim()]);
  }
  const one = (key: string): string | undefined => fields.get(key)?.[0];
  const number = (key: string, fallback?: number): number => {
    const value = one(key);
    if (value === undefined) {
      if (fallback === undefined) throw new ConfigError(`--identity ${text}: ${key}= is missing`);
      return fallback;
    }
    if (!/^\d+$/.test(value)) throw new ConfigError(`--identity ${text}: ${key}=${value} is not a number`);
    return Number(value);
  };
  const known = new Set(['uid', 'gid', 'pid', 'user', 'group', 'listener', 'cn', 'o', 'ou', 'san', 'fingerprint', 'serial', 'address', ...CONTAINER_KEYS]);
  for (const key of fields.keys()) if (!known.has(key)) throw new ConfigError(`--identity ${text}: unknown key ${key} (known: ${[...known].join(', ')})`);
  const tls = ['cn', 'o', 'ou', 'san', 'fingerprint'].some((k) => fields.has(k));
  if (tls) {
    return {
      kind: 'tls',
      listener: one('listener') ?? 'tcp://0.0.0.0:2376',
      address: one('address') ?? '127.0.0.1:0',
      ...(one('cn') !== undefined && { cn: one('cn')! }),
      o: fields.get('o') ?? [],
      ou: fields.get('ou') ?? [],
      san: fields.get('san') ?? [],
      fingerprint: one('fingerprint') ?? '',
      serial: one('serial') ?? '',
    };
  }
  if (!fields.has('uid')) throw new ConfigError(`--identity ${text}: give uid= for a unix peer, or cn=/o=/ou=/san=/fingerprint= for a TLS peer`);
  const uid = number('uid');
  return {
    kind: 'unix',
    listener: one('listener') ?? 'unix:///run/dockgate.sock',
    uid,
    gid: number('gid', uid),
    pid: number('pid', 0),
    ...(one('user') !== undefined && { user: one('user')! }),
    ...(one('group') !== undefined && { group: one('group')! }),
    ...containerOf(text, fields),
  };
}

const CONTAINER_KEYS = ['container-id', 'container-name', 'container-image', 'container-label'];

/** The container of a unix peer given as `container-name=web,container-image=nginx,container-label=KEY=VALUE` (labels repeatable). */
function containerOf(text: string, fields: ReadonlyMap<string, string[]>): { container?: ContainerIdentity } {
  if (!CONTAINER_KEYS.some((k) => fields.has(k))) return {};
  const labels: Record<string, string> = {};
  for (const pair of fields.get('container-label') ?? []) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new ConfigError(`--identity ${text}: container-label=${pair} is not KEY=VALUE`);
    labels[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  const doc = {
    Id: fields.get('container-id')?.[0] ?? '0'.repeat(64),
    Name: fields.get('container-name')?.[0] ?? '',
    Config: { Image: fields.get('container-image')?.[0] ?? '', Labels: labels },
  };
  return { container: containerIdentity(doc.Id, doc)! };
}

function describeRule(rule: PolicyRule): string {
  const match = rule.match
    ? Object.entries(rule.match)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => (k === 'container' ? describeContainerSelector(v as ContainerSelector) : `${k}=${(v as readonly unknown[]).join('|')}`))
        .join(' ')
    : 'every client';
  const ops = rule.operations.patterns.join(', ') + (rule.operations.except.length > 0 ? ` except ${rule.operations.except.join(', ')}` : '');
  let reach = 'container reach not judged';
  if (rule.constraints !== 'unrestricted') {
    const c = rule.constraints;
    const roots = c.bindRoots.map((r) => `${r.path}${r.readOnly ? ':ro' : ''}`).join(', ') || 'none';
    const required = [
      c.requireNonRoot && 'non-root',
      c.requireNoNewPrivileges && 'no-new-privileges',
      c.requireDropAll && 'cap-drop ALL',
      c.memory.required && 'memory limit',
      c.pids.required && 'pids limit',
      c.cpu.required && 'cpu limit',
    ].filter(Boolean);
    reach = `bind roots: ${roots}; cap-add: ${c.capAdd.join(', ') || 'none'}${required.length > 0 ? `; requires ${required.join(', ')}` : ''}`;
  }
  return `${rule.label} [${rule.mode}] for ${match}: ${ops}; ${reach}`;
}

/** Whose objects a rule's clients reach, in a policy where some rule gives owners (docs/owners-design.md). */
function describeOwner(rule: PolicyRule): string {
  if (rule.owner === undefined) return "no owner: reaches every owner's objects, sets no owner label";
  return `owner: ${describeOwnerSource(rule.owner)}${rule.shared !== undefined ? `; shared across owners: ${rule.shared.join(', ')}` : ''}`;
}

/** The summary `policy check` prints, a line per entry (rule names and paths as the file has them). */
export function summarisePolicy(policy: RulePolicy): string[] {
  const lines = [`${policy.options.source}: ${policy.rules.length} rule${policy.rules.length === 1 ? '' : 's'}, first match wins`];
  const usesOwners = policy.rules.some((rule) => rule.owner !== undefined);
  policy.rules.forEach((rule, i) => lines.push(`  ${i + 1}. ${describeRule(rule)}${usesOwners ? `; ${describeOwner(rule)}` : ''}`));
  if ((policy.options.protectedPaths ?? []).length > 0) lines.push(`  protected paths: ${policy.options.protectedPaths!.join(', ')}`);
  return lines;
}

function formatStep(step: TraceStep): string {
  const outcome = step.outcome === 'info' ? '' : step.outcome;
  return `${step.step.padEnd(10)}${outcome.padEnd(7)}${step.detail}`;
}

function inertLines(lines: readonly string[]): string {
  return lines.map(inertText).join('\n');
}

export function registerPolicy(program: Command): void {
  const policy = program.command('policy').description('check policy files, explain decisions and learn policies from audit logs');

  policy
    .command('check')
    .description('validate a policy file: exit 0 with a summary, or print file:line:column of every problem and exit 1')
    .argument('<file>', 'the YAML policy file')
    .action((file: string) => {
      try {
        process.stdout.write(`${inertLines(summarisePolicy(loadPolicy(file)))}\n`);
      } catch (err) {
        if (!(err instanceof PolicyFileError)) throw err;
        process.stderr.write(`${err.describeAll()}\n`);
        process.exitCode = 1;
      }
    });

  policy
    .command('learn')
    .description('write the smallest policy that allows what the clients of an audit log did (run them under --profile audit, or rules in mode: warn)')
    .requiredOption('--audit-log <file>', 'the audit log (serve --audit-log) to learn from')
    .option('--since <time>', 'learn only from records from this time on: 2026-05-01T12:00:00Z, a date, or a duration back from now (30m, 12h, 7d)')
    .option('--merge <policy>', 'merge the learned rules into this policy file (same match: its rule widened just enough; new clients: rules of their own)')
    .option('--out <file>', 'write the policy here (default: stdout)')
    .option('--widen <families>', `grant whole operation families where one of their operations was used (container,image; all: every family); repeatable`, collect, [])
    .option('--by <grouping>', `one rule per: ${GROUPINGS.join(', ')} (identity: uid, certificate CN, container; ou: TLS clients by certificate OU; listener)`, 'identity')
    .action(async (opts: LearnCommandOptions) => {
      const text = await learnPolicy({
        auditLog: opts.auditLog,
        ...(opts.since !== undefined && { since: parseSince(opts.since, Date.now()) }),
        ...(opts.merge !== undefined && { merge: opts.merge }),
        widen: parseWidening(opts.widen),
        by: parseGrouping(opts.by),
      }).catch((err: unknown) => {
        if (err instanceof PolicyFileError) throw new ConfigError(`--merge: ${err.message} (dockgate policy check ${err.file} lists every problem)`);
        throw err;
      });
      if (opts.out === undefined) process.stdout.write(text);
      else {
        try {
          writeFileSync(opts.out, text, { mode: 0o644 });
        } catch (err) {
          throw new ConfigError(`--out ${opts.out}: cannot write it (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
        }
      }
    });

  policy
    .command('explain')
    .description('show how a policy decides one request (exit 0 allow, 1 deny)')
    .option('--policy <file>', 'a YAML policy file')
    .option('--profile <name>', 'a built-in profile: baseline, restricted, read-only, audit')
    .option('--preset <name>', `an application preset: ${PRESET_NAMES.join(', ')}`)
    .option('--allow-bind <path[:ro]>', 'a bind root on top of the profile or preset; repeatable', collect, [])
    .requiredOption(
      '--identity <pairs>',
      'who asks: uid=1000[,gid=..,user=..,group=..,listener=..,container-name=..,container-image=..,container-label=KEY=VALUE] or cn=..[,o=..,ou=..,san=DNS:..]',
    )
    .requiredOption('--method <method>', 'HTTP method, e.g. POST')
    .requiredOption('--path <target>', 'request target, e.g. /v1.41/containers/create?name=web')
    .option('--body <file>', 'the request body (JSON); - reads stdin')
    .option('--content-type <type>', 'the Content-Type header', 'application/json')
    .option('--upstream <url>', 'ask this engine about containers, volumes and images the request names (default: facts unknown)')
    .option('--owner <name>', "the owner a library caller gives with the request (judge()'s owner), for rules with owner: { from: caller }")
    .action(async (opts: ExplainOptions) => {
      const given = [opts.policy, opts.profile, opts.preset].filter((v) => v !== undefined).length;
      if (given !== 1) throw new ConfigError('give exactly one of --policy FILE, --profile NAME or --preset NAME');
      let chosen: RulePolicy;
      try {
        chosen =
          opts.policy !== undefined
            ? loadPolicy(opts.policy)
            : readingConfig(choicePolicy)(opts.preset !== undefined ? { kind: 'preset', name: opts.preset } : { kind: 'profile', name: opts.profile! }, { allowBind: opts.allowBind });
      } catch (err) {
        if (!(err instanceof PolicyFileError)) throw err;
        process.stderr.write(`${err.describeAll()}\n`);
        process.exitCode = 1;
        return;
      }
      const body = opts.body === undefined ? undefined : readingConfig(readFileSync)(opts.body === '-' ? 0 : opts.body);
      let upstream: Upstream | undefined;
      try {
        upstream = opts.upstream !== undefined ? readingConfig(createUpstream)(opts.upstream) : undefined;
        const result = await judge(
          chosen,
          {
            method: opts.method,
            path: opts.path,
            headers: { 'content-type': opts.contentType },
            ...(body !== undefined && { body }),
            identity: parseIdentity(opts.identity),
            ...(opts.owner !== undefined && { owner: opts.owner }),
          },
          upstream ? createEngineLookup(upstream) : NO_ENGINE,
        );
        const out: string[] = [`${'policy'.padEnd(17)}${chosen.options.source}`, `${'request'.padEnd(17)}${opts.method} ${opts.path}${result.operation ? ` → ${result.operation}` : ''}`];
        for (const step of result.trace) out.push(formatStep(step));
        if (result.verdict === 'deny' && result.fix) out.push(`${'fix'.padEnd(17)}${result.fix}`);
        if (result.verdict === 'deny' && result.message) out.push(`${'client sees'.padEnd(17)}Error response from daemon: ${result.message}`);
        if (result.body !== undefined && result.changes.length > 0) out.push(`${'forwarded body'.padEnd(17)}${result.body.toString('utf8')}`);
        process.stdout.write(`${inertLines(out)}\n`);
        process.exitCode = result.verdict === 'allow' || result.mode === 'warn' ? 0 : 1;
      } finally {
        upstream?.close();
      }
    });
}
