// The rules of `dockgate policy learn`: what a request's needs say (read from the judged body, facts only),
// how they become a rule (one per client, operations by name or family, bind roots as narrow as the sources
// seen with :ro where nothing wrote, lists of only what was used, limits only where every create set one),
// that the learned file loads and allows what was learned while refusing more, that it is the same whatever
// the order of the records, merging into an existing policy, and the one-record change the live view shows.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { judge } from '../../src/decide/library-judge.js';
import type { Identity } from '../../src/identify/identity.js';
import { learnFromRecords, learnPolicy, parseSince } from '../../src/learn/learn-policy.js';
import { learnedConstraints, learnedRoots } from '../../src/learn/learned-constraints.js';
import { learnedOperations, policyYaml } from '../../src/learn/learned-rule.js';
import { mergeRules, readExistingPolicy } from '../../src/learn/merge-policy.js';
import { ruleChangeFor } from '../../src/learn/rule-change.js';
import { parsePolicyText } from '../../src/policy/load-policy.js';
import { formatAuditRecord, type DoneRecord } from '../../src/record/audit-record.js';
import { needsOf, type RequestNeeds } from '../../src/record/request-needs.js';
import { parseQuery } from '../../src/route/query.js';

const tmp = realpathSync(mkdtempSync(join(tmpdir(), 'dockgate-learn-')));
after(() => rmSync(tmp, { recursive: true, force: true }));
const data = join(tmp, 'data');
const config = join(tmp, 'config');
const other = join(tmp, 'other');
for (const dir of [data, config, join(config, 'sub'), other]) mkdirSync(dir, { recursive: true });
writeFileSync(join(config, 'app.conf'), 'x');

const NO_QUERY = parseQuery('');
const alice: Identity = { kind: 'unix', listener: 'unix:///run/dockgate.sock', uid: 1000, gid: 1000, pid: 7, user: 'alice' };

const CREATE = {
  Image: 'busybox:test',
  Env: ['PASSWORD=hunter2'],
  Cmd: ['sh', '-c', 'secret-command'],
  HostConfig: {
    Binds: [`${data}:/data`, `${config}:/config:ro`, 'named:/named'],
    Mounts: [{ Type: 'bind', Source: join(config, 'app.conf'), Target: '/app.conf', ReadOnly: true }],
    CapAdd: ['cap_net_admin'],
    Sysctls: { 'net/core/somaxconn': '1024' },
    PidMode: 'host',
    Privileged: true,
    Devices: [{ PathOnHost: '/dev/fuse', PathInContainer: '/dev/fuse', CgroupPermissions: 'rwm' }],
    Memory: 67108864,
    NanoCpus: 500000000,
    PortBindings: { '80/tcp': [{ HostIp: '127.0.0.1', HostPort: '8080' }] },
    SecurityOpt: ['apparmor=unconfined'],
    LogConfig: { Type: 'json-file', Config: { 'max-size': '1m' } },
  },
};

test('a create body gives its needs in constraint words, and nothing of its environment or command', () => {
  const needs = needsOf('container.create', CREATE, NO_QUERY)!;
  assert.deepEqual(needs.binds, [
    { source: data, readOnly: false },
    { source: config, readOnly: true },
    { source: join(config, 'app.conf'), readOnly: true },
  ]);
  assert.deepEqual(needs.capAdd, ['NET_ADMIN']);
  assert.deepEqual(needs.sysctls, ['net.core.somaxconn']);
  assert.deepEqual(needs.hostNamespaces, ['pid']);
  assert.equal(needs.privileged, true);
  assert.equal(needs.devices, true);
  assert.equal(needs.unconfined, true);
  assert.equal(needs.memory, 67108864);
  assert.equal(needs.cpus, 500000000);
  assert.deepEqual(needs.ports, [{ hostIp: '127.0.0.1', hostPort: '8080' }]);
  assert.equal(needs.logDriver, 'json-file');
  const line = formatAuditRecord(record({ operation: 'container.create', needs: { ...needs, Env: ['PASSWORD=hunter2'] } as RequestNeeds }));
  assert.match(line, /"needs":\{"binds":\[/);
  assert.doesNotMatch(line, /hunter2|secret-command|max-size/);
});

test('only operations that carry reach have needs, and a body asking nothing has none', () => {
  assert.equal(needsOf('container.list', undefined, NO_QUERY), undefined);
  assert.equal(needsOf('container.update', { RestartPolicy: { Name: 'no' } }, NO_QUERY), undefined);
  assert.deepEqual(needsOf('container.exec.create', { Privileged: true, Cmd: ['x'] }, NO_QUERY), { privileged: true });
  assert.deepEqual(needsOf('network.create', { Name: 'n' }, NO_QUERY), { networkDriver: 'bridge' });
  const security = (SecurityOpt: string[]) => needsOf('container.create', { HostConfig: { SecurityOpt } }, NO_QUERY);
  assert.equal(security(['label=level:s0:c100,c200', 'label:type:container_t', 'no-new-privileges', 'apparmor=docker-default']), undefined);
  assert.deepEqual(security(['label=type:spc_t']), { unconfined: true });
  assert.deepEqual(security(['systempaths=unconfined']), { unconfined: true });
  assert.deepEqual(security(['apparmor:my-profile']), { apparmorProfiles: ['my-profile'] });
  assert.deepEqual(needsOf('volume.create', { Name: 'v', DriverOpts: { o: 'bind,ro', device: config, type: 'none' } }, NO_QUERY), { binds: [{ source: config, readOnly: true }] });
  assert.deepEqual(needsOf('image.build', undefined, parseQuery('version=2&remote=https://example.invalid/x.tar')), { remoteFetch: true, buildkit: true });
});

test('bind roots are as narrow as the sources seen, read-only unless something wrote, and a file gives its directory', () => {
  assert.deepEqual(learnedRoots([{ binds: [{ source: join(config, 'app.conf'), readOnly: true }] }, { binds: [{ source: `${data}/`, readOnly: false }] }]), [
    { path: config, readOnly: true },
    { path: data, readOnly: false },
  ]);
  // A read-only root above a written one would refuse that write: it is written read-write; the nested one then adds nothing.
  assert.deepEqual(learnedRoots([{ binds: [{ source: config, readOnly: true }] }, { binds: [{ source: join(config, 'sub'), readOnly: false }] }]), [{ path: config, readOnly: false }]);
  // A read-only root inside a read-only one adds nothing; inside a written one neither.
  assert.deepEqual(learnedRoots([{ binds: [{ source: config, readOnly: true }] }, { binds: [{ source: join(config, 'sub'), readOnly: true }] }]), [{ path: config, readOnly: true }]);
});

test('limits are learned as maximums only where every create set one (a maximum makes the limit required)', () => {
  const every = learnedConstraints([
    { operation: 'container.create', needs: { memory: 100 } },
    { operation: 'container.create', needs: { memory: 300 } },
  ])!;
  assert.deepEqual(every['memory'], { max: 300 });
  const some = learnedConstraints([
    { operation: 'container.create', needs: { memory: 100 } },
    { operation: 'container.create', needs: { image: 'busybox' } },
  ])!;
  assert.equal(some['memory'], undefined);
  // Lists baseline would fill are written with only what was used; no ports published: none allowed.
  assert.deepEqual(some['cap-add'], []);
  assert.deepEqual(some['sysctls'], []);
  assert.deepEqual(some['ports'], { 'host-ips': [], 'publish-all': false });
  assert.deepEqual(some['images'], ['busybox']);
  // A build's base images are not in its record: a client that builds keeps any image.
  assert.equal(learnedConstraints([{ operation: 'container.create', needs: { image: 'a' } }, { operation: 'image.build' }])!['images'], undefined);
});

test('operations are granted by name, or widened to their family without what baseline keeps out', () => {
  assert.deepEqual(learnedOperations(['container.list', 'container.create', 'system.ping'], new Set()), { operations: ['container.create', 'container.list', 'system.ping'], except: [] });
  assert.deepEqual(learnedOperations(['container.list', 'system.ping', 'session'], new Set(['container'])), {
    operations: ['container.*', 'session', 'system.ping'],
    except: ['container.checkpoint.*'],
  });
  assert.deepEqual(learnedOperations(['container.list', 'debug.pprof'], 'all').except, ['container.checkpoint.*']);
});

let sequence = 0;
function record(fields: Partial<DoneRecord>): DoneRecord {
  sequence++;
  return {
    phase: 'done',
    time: `2026-05-01T10:00:${String(sequence % 60).padStart(2, '0')}.000Z`,
    id: `r${sequence}`,
    listener: 'unix:///run/dockgate.sock',
    identity: alice,
    method: 'POST',
    path: '/v1.41/containers/create',
    decision: 'allow',
    rule: 'profile.audit',
    reason: 'the audit profile grants every operation',
    status: 201,
    bytesIn: 0,
    bytesOut: 0,
    durationMs: 1,
    created: [],
    ...fields,
  };
}

const web: Identity = {
  kind: 'unix',
  listener: 'unix:///run/dockgate.sock',
  uid: 0,
  gid: 0,
  pid: 9,
  container: { id: 'a'.repeat(64), name: 'shop-web-1', image: 'traefik', labels: {}, composeProject: 'shop', composeService: 'web' },
};
const bob: Identity = { kind: 'tls', listener: 'tcp://127.0.0.1:2376', address: '127.0.0.1:5000', cn: 'bob', o: [], ou: ['ci'], san: [], fingerprint: 'AA:BB', serial: '01' };

function workloadRecords(): DoneRecord[] {
  return [
    record({ operation: 'container.create', needs: needsOf('container.create', { Image: 'busybox:test', HostConfig: { Binds: [`${data}:/data`, `${config}:/config:ro`] } }, NO_QUERY)! }),
    record({ operation: 'container.start', method: 'POST', path: '/v1.41/containers/x/start', status: 204 }),
    record({ operation: 'container.list', method: 'GET', path: '/v1.41/containers/json', status: 200 }),
    record({ identity: web, operation: 'container.list', method: 'GET', path: '/v1.41/containers/json', status: 200 }),
    record({ identity: bob, operation: 'system.ping', method: 'GET', path: '/_ping', status: 200 }),
    record({ identity: bob, operation: 'image.list', method: 'GET', path: '/v1.41/images/json', decision: 'would_deny', rule: 'policy.ci', reason: 'rule "ci" does not grant image.list' }),
    record({ identity: bob, operation: 'image.delete', method: 'DELETE', path: '/v1.41/images/x', decision: 'deny', rule: 'policy.ci', reason: 'refused', status: 403 }),
  ];
}

const OPTIONS = { auditLog: 'audit.jsonl', widen: new Set<string>(), by: 'identity' as const };

test('one rule per client, containers first; would_deny listed as comments; a deny is not learned; the same text in any record order', () => {
  const records = workloadRecords();
  const { header, rules } = learnFromRecords(records, 0, OPTIONS);
  assert.deepEqual(
    rules.map((r) => [r.body['name'], r.body['match']]),
    [
      ['learned.compose-shop-web', { container: { 'compose-project': 'shop', 'compose-service': 'web' } }],
      ['learned.cn-bob', { cn: 'bob' }],
      ['learned.uid-1000', { uid: 1000 }],
    ],
  );
  assert.deepEqual(rules[1]!.body['operations'], ['image.list', 'system.ping']);
  assert.ok(rules[1]!.comments.some((c) => c.startsWith('would_deny: image.list by policy.ci: rule "ci" does not grant image.list')));
  assert.equal(rules[0]!.body['constraints'], undefined, 'a client that reaches nothing gets no constraints');
  assert.deepEqual((rules[2]!.body['constraints'] as Record<string, unknown>)['allow-bind'], [`${config}:ro`, data]);
  assert.match(header.join('\n'), /From 6 requests \(5 allowed, 1 would_deny\) of 3 clients, recorded 2026-05-01T10:00:\d\d.000Z to 2026-05-01T10:00:\d\d.000Z/);
  assert.match(header.join('\n'), /1 request the gateway refused \(deny\) are not learned/);
  const text = policyYaml(header, rules);
  const shuffled = learnFromRecords([...records].reverse(), 0, OPTIONS);
  assert.equal(policyYaml(shuffled.header, shuffled.rules), text);
  assert.equal(parsePolicyText(text, 'learned.yaml').rules.length, 3);
  const byOu = learnFromRecords(records, 0, { ...OPTIONS, by: 'ou' });
  assert.ok(byOu.rules.some((r) => JSON.stringify(r.body['match']) === '{"ou":"ci"}'));
});

test('the learned rule allows what was learned and refuses a privileged container, another root and a write to a read root', async () => {
  const { header, rules } = learnFromRecords(workloadRecords(), 0, OPTIONS);
  const policy = parsePolicyText(policyYaml(header, rules), 'learned.yaml');
  const create = (hostConfig: object) => judge(policy, { method: 'POST', path: '/v1.41/containers/create', body: { Image: 'busybox:test', HostConfig: hostConfig }, identity: alice });
  assert.equal((await create({ Binds: [`${data}:/data`, `${config}:/config:ro`] })).verdict, 'allow');
  assert.equal((await create({ Privileged: true })).verdict, 'deny');
  assert.equal((await create({ Binds: [`${other}:/other`] })).verdict, 'deny');
  assert.equal((await create({ Binds: [`${config}:/config`] })).verdict, 'deny');
  assert.equal((await create({ CapAdd: ['CHOWN'] })).verdict, 'deny', 'baseline would add CHOWN; the workload never did');
  assert.equal((await judge(policy, { method: 'DELETE', path: '/v1.41/containers/x', identity: alice })).verdict, 'deny', 'an operation never used');
});

test('--since leaves earlier records out; a duration counts back from now', () => {
  const records = workloadRecords();
  const since = Date.parse(records[3]!.time);
  const { header } = learnFromRecords(records, 0, { ...OPTIONS, since });
  assert.match(header.join('\n'), /3 earlier records left out/);
  assert.equal(parseSince('2h', 10 * 3600e3), 8 * 3600e3);
  assert.throws(() => parseSince('yesterday', 0), /--since yesterday: expected a time/);
});

test('merged into an existing policy: the rule with the same match widened, a new client placed before the catch-all', () => {
  const existing = readExistingPolicy(
    ['version: 1', 'rules:', '  - name: alice', '    match: { uid: [1000] }', '    operations: [container.list]', '  - name: rest', '    profile: read-only', ''].join('\n'),
  );
  const { rules } = learnFromRecords(workloadRecords(), 0, OPTIONS);
  const merged = mergeRules(existing, rules);
  assert.deepEqual(
    merged.map((r) => r.body['name']),
    ['alice', 'learned.compose-shop-web', 'learned.cn-bob', 'rest'],
  );
  assert.deepEqual(merged[0]!.body['operations'], ['container.create', 'container.list', 'container.start']);
  assert.deepEqual((merged[0]!.body['constraints'] as Record<string, unknown>)['allow-bind'], [`${config}:ro`, data]);
  const policy = parsePolicyText(policyYaml(['merged'], merged, existing.rest), 'merged.yaml');
  assert.equal(policy.rules.length, 4);
  // Widened by family: the family granted whole, without what baseline keeps out of it.
  const widened = mergeRules(existing, learnFromRecords(workloadRecords(), 0, { ...OPTIONS, widen: 'all' }).rules);
  assert.deepEqual(widened[0]!.body['operations'], ['container.*']);
  assert.deepEqual(widened[0]!.body['except'], ['container.checkpoint.*']);
});

test('learnPolicy reads a log, skips torn lines and writes a file policy check accepts', async () => {
  const log = join(tmp, 'audit.jsonl');
  writeFileSync(log, `${workloadRecords().map(formatAuditRecord).join('')}{"time":"torn`);
  const text = await learnPolicy({ ...OPTIONS, auditLog: log });
  assert.match(text, /1 line of the log that held no record skipped/);
  assert.equal(parsePolicyText(text, 'learned.yaml').rules.length, 3);
  assert.equal(await learnPolicy({ ...OPTIONS, auditLog: log }), text);
  await assert.rejects(learnPolicy({ ...OPTIONS, auditLog: join(tmp, 'missing.jsonl') }), /--audit-log .*missing\.jsonl: cannot read it \(ENOENT\)/);
});

test('ruleChangeFor: the rule that would allow a refused request, which loads and allows it', async () => {
  const refused = record({
    decision: 'would_deny',
    rule: 'policy.ci',
    reason: 'HostConfig.Privileged: runs the container privileged',
    operation: 'container.create',
    needs: { privileged: true, image: 'busybox:test' },
  });
  const text = ruleChangeFor(refused);
  assert.match(text, /^# Allows container\.create \(POST \/v1\.41\/containers\/create\) for this client; refused by policy\.ci: HostConfig\.Privileged/);
  const policy = parsePolicyText(`rules:\n${text.replace(/^/gm, '  ')}`, 'change.yaml');
  const result = await judge(policy, { method: 'POST', path: '/v1.41/containers/create', body: { Image: 'busybox:test', HostConfig: { Privileged: true } }, identity: alice });
  assert.equal(result.verdict, 'allow', result.reason);
  assert.match(ruleChangeFor(record({ operation: undefined, path: '/v9/nothing', reason: 'no route' })), /^# No policy change allows POST \/v9\/nothing/);
  // Refused before its body was read: baseline's constraints, said so, rather than refusing all the body might ask.
  const unread = ruleChangeFor(record({ decision: 'deny', rule: 'policy.ci', reason: 'rule "ci" does not grant container.create', operation: 'container.create' }));
  assert.doesNotMatch(unread, /constraints:/);
  assert.match(unread, /# Its body was not read/);
});

/** `dockgate policy ...` (test/support/policy-cli.ts): exit code and output. */
function dockgatePolicy(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, ['--import', 'tsx', 'test/support/policy-cli.ts', 'policy', ...args], { encoding: 'utf8', timeout: 30_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

test('policy learn on the command line: --widen, --out, and one line for a bad flag or an unusable --merge file', () => {
  const log = join(tmp, 'cli-audit.jsonl');
  writeFileSync(log, workloadRecords().map(formatAuditRecord).join(''));
  const out = join(tmp, 'cli-learned.yaml');
  const learned = dockgatePolicy('learn', '--audit-log', log, '--widen', 'container', '--out', out);
  assert.equal(learned.status, 0, learned.stderr);
  assert.equal(learned.stdout, '');
  assert.match(readFileSync(out, 'utf8'), /- container\.\*\n(.|\n)*except:\n\s+- container\.checkpoint\.\*/);
  const badFamily = dockgatePolicy('learn', '--audit-log', log, '--widen', 'contaner');
  assert.equal(badFamily.status, 2);
  assert.match(badFamily.stderr, /^dockgate: --widen contaner: not an operation family \(known: .*container/);
  assert.match(dockgatePolicy('learn', '--audit-log', log, '--by', 'team').stderr, /^dockgate: --by team: expected one of identity, ou, listener/);
  const broken = join(tmp, 'broken.yaml');
  writeFileSync(broken, 'rules:\n  - name: x\n    profle: baseline\n');
  const merge = dockgatePolicy('learn', '--audit-log', log, '--merge', broken);
  assert.equal(merge.status, 2);
  assert.match(merge.stderr, new RegExp(`--merge: ${broken.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:2:5: .*\\(and 1 more problem\\) \\(dockgate policy check .* lists every problem\\)\\n$`));
});
