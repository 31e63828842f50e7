// The daemon's own settings, judged by what the running engine reports where it reports it (/info,
// the default bridge network) and by its configuration (command line, daemon.json, systemd unit)
// otherwise; a configuration the running daemon does not follow is a finding of its own. User
// namespaces: remapping on, with sane subordinate id ranges, or a rootless daemon.
import { finding } from '../catalogue.js';
import { engineRemaps, engineRootless, securityOptions, type AuditContext } from '../context.js';
import { parseSubIds, subIdProblems } from '../host/accounts.js';
import { parseDockerdArgs, type Setting } from '../host/daemon-config.js';
import { readText } from '../host/proc.js';
import { expandVariables, parseEnvironmentFile, splitCommandLine } from '../host/systemd-units.js';
import { octal, statPath, S_IWGRP, S_IWOTH } from '../host/file-access.js';

function from(setting: Setting<unknown>, key: string): string {
  return setting.source === 'default' ? `${key} is not set (default ${JSON.stringify(setting.value)})` : `${setting.source} sets ${key}: ${JSON.stringify(setting.value)}`;
}

function notApplied(ctx: AuditContext, key: string, configured: string, running: string): void {
  ctx.collector.add(finding('daemon.config-not-applied', { subject: key, evidence: [configured, running] }));
}

/** The remap user and group of a userns-remap value (`default` is dockremap). */
export function remapIdentity(value: string): { user: string; group: string } {
  if (value === 'default') return { user: 'dockremap', group: 'dockremap' };
  const [user, group] = value.split(':');
  return { user: user!, group: group ?? user! };
}

function checkUserNamespaces(ctx: AuditContext): void {
  const { collector, daemon } = ctx;
  const config = daemon?.config;
  if (engineRootless(ctx)) return; // the daemon itself is an unprivileged user: better than remapping
  const remap = config?.string('userns-remap');
  if (!engineRemaps(ctx)) {
    if (remap !== undefined && remap.value !== '') {
      collector.add(
        finding('daemon.userns-remap-not-active', { evidence: [from(remap, 'userns-remap'), `GET /info: SecurityOptions ${JSON.stringify(securityOptions(ctx))} has no name=userns`] }),
      );
    } else {
      collector.add(
        finding('daemon.userns-remap-off', {
          evidence: [
            `GET /info: SecurityOptions ${JSON.stringify(securityOptions(ctx))} has no name=userns`,
            ...(config ? [from(config.string('userns-remap') ?? { value: '', source: 'default' }, 'userns-remap')] : []),
          ],
        }),
      );
    }
    return;
  }
  if (daemon === undefined) {
    collector.skip('daemon.subid-ranges', "the engine's host is not this one: its /etc/subuid and /etc/subgid were not read");
    return;
  }
  if (remap === undefined) {
    collector.skip('daemon.subid-ranges', 'the engine remaps user namespaces but its configuration does not name the remap user');
    return;
  }
  const { user, group } = remapIdentity(remap.value);
  const accounts = ctx.accounts();
  const account = accounts.account(user);
  const groupEntry = /^\d+$/.test(group) ? accounts.groups.find((g) => g.gid === Number(group)) : accounts.groups.find((g) => g.name === group);
  // The remap user's subordinate uids and its group's subordinate gids, each checked against the ids in use.
  const ranges = [
    { file: '/etc/subuid', owner: account, missing: `the remap user ${user} does not exist`, inUse: () => accounts.accounts.map((a) => a.uid) },
    {
      file: '/etc/subgid',
      owner: groupEntry && { name: groupEntry.name, uid: groupEntry.gid },
      missing: `the remap group ${group} does not exist`,
      inUse: () => accounts.groups.map((g) => g.gid),
    },
  ];
  const problems: string[] = [];
  for (const { file, owner, missing, inUse } of ranges) {
    const text = readText(file);
    if (owner === undefined) problems.push(missing);
    else if (text === undefined) problems.push(`${file} is missing or unreadable`);
    else problems.push(...subIdProblems(file, parseSubIds(text), owner, inUse()));
  }
  if (problems.length > 0) collector.add(finding('daemon.subid-ranges', { subject: user, evidence: [from(remap, 'userns-remap'), ...problems] }));
}

function checkDaemonUser(ctx: AuditContext): void {
  if (engineRootless(ctx)) return;
  const evidence = [`GET /info: SecurityOptions ${JSON.stringify(securityOptions(ctx))} has no name=rootless`];
  if (ctx.daemon !== undefined) evidence.push(`dockerd (pid ${ctx.daemon.process.pid}) runs as uid ${ctx.daemon.process.uid}`);
  ctx.collector.add(finding('daemon.runs-as-root', { evidence }));
}

function checkBooleanSettings(ctx: AuditContext): void {
  const { collector, daemon, info } = ctx;
  const config = daemon?.config;
  // no-new-privileges: newer engines list it in /info; otherwise the configuration tells.
  const nnpReported = securityOptions(ctx).includes('name=no-new-privileges');
  if (!nnpReported) {
    if (config === undefined) {
      collector.skip('daemon.no-new-privileges', 'the engine does not report no-new-privileges in /info and its configuration cannot be read from here');
    } else {
      const nnp = config.boolean('no-new-privileges', false);
      if (!nnp.value) collector.add(finding('daemon.no-new-privileges-off', { evidence: [from(nnp, 'no-new-privileges')] }));
    }
  }
  // icc: the default bridge network says what the daemon applied.
  if (ctx.bridge === null) {
    // No default bridge (--bridge=none): icc does not apply.
  } else if (ctx.bridge !== undefined) {
    const options = ctx.bridge.Options ?? {};
    const icc = options['com.docker.network.bridge.enable_icc'];
    if (icc !== 'false') {
      const setting = config?.boolean('icc', true);
      if (setting !== undefined && setting.value === false) notApplied(ctx, 'icc', from(setting, 'icc'), `GET /networks/bridge: com.docker.network.bridge.enable_icc ${icc ?? 'not set'}`);
      else collector.add(finding('daemon.icc-enabled', { evidence: [`GET /networks/bridge: Options com.docker.network.bridge.enable_icc ${JSON.stringify(icc ?? 'not set (true)')}`] }));
    }
  }
  if (info !== undefined && info.LiveRestoreEnabled === false && info.Swarm?.LocalNodeState !== 'active') {
    const setting = config?.boolean('live-restore', false);
    if (setting?.value === true) notApplied(ctx, 'live-restore', from(setting, 'live-restore'), 'GET /info: LiveRestoreEnabled false');
    else collector.add(finding('daemon.live-restore-off', { evidence: ['GET /info: LiveRestoreEnabled false'] }));
  }
  if (info?.LoggingDriver !== undefined) {
    const configured = config?.string('log-driver');
    if (configured !== undefined && configured.value !== info.LoggingDriver) notApplied(ctx, 'log-driver', from(configured, 'log-driver'), `GET /info: LoggingDriver ${info.LoggingDriver}`);
    if (['json-file', 'local', 'none'].includes(info.LoggingDriver)) {
      collector.add(finding('daemon.log-driver-local', { evidence: [`GET /info: LoggingDriver ${info.LoggingDriver}`] }));
    }
  }
  if (config === undefined) {
    collector.skip('daemon.userland-proxy', "the daemon's configuration cannot be read from here (userland-proxy and iptables are not in /info)");
    return;
  }
  const proxy = config.boolean('userland-proxy', true);
  if (proxy.value) collector.add(finding('daemon.userland-proxy-on', { evidence: [from(proxy, 'userland-proxy')] }));
  const iptables = config.boolean('iptables', true);
  if (!iptables.value) collector.add(finding('daemon.iptables-off', { evidence: [from(iptables, 'iptables')] }));
  const level = config.string('log-level');
  if (level?.value === 'debug' && info?.Debug !== true) collector.add(finding('engine.debug-logging', { evidence: [from(level, 'log-level')] }));
}

function checkConfigFiles(ctx: AuditContext): void {
  const daemon = ctx.daemon;
  if (daemon === undefined) {
    collector(ctx).skip('daemon.config', 'the engine is not on this host (or its process was not found): its command line, daemon.json and units were not read');
    return;
  }
  const { configFile, config } = daemon;
  if (configFile.state === 'invalid') {
    ctx.collector.add(finding('daemon.config-invalid', { subject: configFile.path, file: configFile.path, evidence: [`${configFile.path}: ${configFile.detail ?? 'not JSON'}`] }));
  } else if (configFile.state === 'unreadable') {
    ctx.collector.skip('daemon.config', `${configFile.path} exists but cannot be read (run as root)`);
  }
  const conflicts = config.conflicts();
  if (conflicts.length > 0) {
    ctx.collector.add(
      finding('daemon.config-conflict', {
        subject: conflicts.join(', '),
        ...(configFile.state === 'read' && { file: configFile.path }),
        evidence: conflicts.map((key) => `${key}: dockerd flag ${JSON.stringify(config.flags.get(key))} and ${configFile.path} ${JSON.stringify(config.file.get(key))}`),
      }),
    );
  }
  // Files whose writer controls the daemon at its next start.
  const owner = daemon.rootless ? daemon.process.uid : 0;
  const files: Array<[string, string, boolean]> = [
    [configFile.path, '3.17-3.18', false],
    [daemon.rootless ? configFile.path.replace(/\/daemon\.json$/, '') : '/etc/docker', '3.5-3.6', true],
    ['/etc/default/docker', '3.19-3.20', false],
    ['/etc/sysconfig/docker', '3.21-3.22', false],
    ...(daemon.units?.service?.files ?? []).map((f): [string, string, boolean] => [f, '3.1-3.2', false]),
    ...(daemon.units?.socket?.files ?? []).map((f): [string, string, boolean] => [f, '3.3-3.4', false]),
  ];
  const seen = new Set<string>();
  for (const [path, cis, directory] of files) {
    if (seen.has(path)) continue;
    seen.add(path);
    const result = statPath(path);
    if (!result.ok) continue;
    const { mode, uid } = result.stats;
    const problems: string[] = [];
    if (uid !== owner) problems.push(`owned by ${ctx.accounts().userName(uid)} (uid ${uid})`);
    if ((mode & S_IWOTH) !== 0) problems.push(`writable by every user (mode ${octal(mode)})`);
    else if ((mode & S_IWGRP) !== 0) problems.push(`writable by group ${ctx.accounts().groupName(result.stats.gid)} (mode ${octal(mode)})`);
    if (problems.length > 0) {
      ctx.collector.add(finding('files.config-writable', { subject: path, file: path, cis, evidence: [`${directory ? 'directory' : 'file'} ${path}: ${problems.join(', ')}`] }));
    }
  }
  // The unit says how the daemon should run; compare with how it does.
  const service = daemon.units?.service;
  if (daemon.units?.managed && service !== undefined) {
    const execStart = service.values.get('ExecStart')?.at(-1);
    if (execStart !== undefined) {
      const env = new Map<string, string>();
      for (const file of service.values.get('EnvironmentFile') ?? []) {
        for (const [k, v] of parseEnvironmentFile(readText(file.replace(/^-/, '')) ?? '')) env.set(k, v);
      }
      for (const entry of service.values.get('Environment') ?? []) {
        for (const [k, v] of parseEnvironmentFile(entry.split(/\s+/).join('\n'))) env.set(k, v);
      }
      const unitArgs = expandVariables(splitCommandLine(execStart), env).slice(1);
      const intended = parseDockerdArgs(unitArgs);
      const running = config.flags;
      const keys = new Set([...intended.keys(), ...running.keys()]);
      const differences = [...keys].filter((k) => JSON.stringify(intended.get(k)) !== JSON.stringify(running.get(k)));
      if (differences.length > 0) {
        ctx.collector.add(
          finding('daemon.unit-differs', {
            subject: 'docker.service',
            file: service.files[0]!,
            evidence: [
              `${service.files.join(', ')}: ExecStart=${execStart}`,
              `/proc/${daemon.process.pid}/cmdline: ${daemon.process.argv.join(' ')}`,
              `differs in: ${differences.join(', ')}`,
            ],
          }),
        );
      }
    }
  }
}

function collector(ctx: AuditContext) {
  return ctx.collector;
}

export function checkDaemonOptions(ctx: AuditContext): void {
  if (ctx.info !== undefined) {
    checkUserNamespaces(ctx);
    checkDaemonUser(ctx);
    checkBooleanSettings(ctx);
  }
  checkConfigFiles(ctx);
}
