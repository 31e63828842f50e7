// Published ports: which host addresses and host ports a container may take. An empty host address
// (and 0.0.0.0, ::) is every interface; an empty host port is one the kernel picks from its
// ephemeral range, allowed whenever publishing is.
import { isIPv4, isIPv6 } from 'node:net';
import { show } from './go-strings.js';
import type { PortMapBody } from '../../inspect/schemas/port.js';
import { readArray, readBoolean, readRecord, readString, type ReachContext } from './reach-context.js';

const ALL_INTERFACES = 'all interfaces';

function normaliseHostIp(ip: string): string | undefined {
  if (ip === '' || ip === '0.0.0.0' || ip === '::' || ip === '[::]') return ALL_INTERFACES;
  const bare = ip.startsWith('[') && ip.endsWith(']') ? ip.slice(1, -1) : ip;
  if (isIPv4(bare)) return bare;
  if (isIPv6(bare)) {
    const canonical = new URL(`http://[${bare}]/`).hostname.slice(1, -1);
    return canonical === '::' ? ALL_INTERFACES : canonical;
  }
  return undefined;
}

function describeAllowed(ctx: ReachContext): string {
  const { hostIps, min, max } = ctx.constraints.ports;
  return `host addresses ${hostIps.join(', ')}, host ports ${min}-${max}`;
}

/** One host address and port a container would take. */
export function judgeHostPort(ctx: ReachContext, field: string, hostIp: string, hostPort: string, flag: string): void {
  const { hostIps, min, max } = ctx.constraints.ports;
  if (hostIps.length === 0) {
    ctx.deny('ports', field, 'publishes a port on the host, which this policy does not grant', `Remove ${flag}`);
    return;
  }
  const ip = normaliseHostIp(hostIp);
  if (ip === undefined) {
    ctx.deny('ports', field, `the host address ${show(hostIp)} is not an IP address`, 'Give an IP address, e.g. 127.0.0.1');
    return;
  }
  const allowedIps = hostIps.map((a) => normaliseHostIp(a) ?? a);
  if (!allowedIps.includes(ALL_INTERFACES) && !allowedIps.includes(ip)) {
    ctx.deny(
      'ports',
      field,
      `publishes on ${ip === ALL_INTERFACES ? 'every host interface' : `the host address ${ip}`}, which this policy does not allow (allowed: ${describeAllowed(ctx)})`,
      `Publish on an allowed address, e.g. ${flag} ${hostIps[0]}:PORT:PORT`,
    );
    return;
  }
  if (hostPort === '' || hostPort === '0') return;
  const match = /^(\d+)(?:-(\d+))?$/.exec(hostPort);
  if (!match) {
    ctx.deny('ports', field, `the host port ${show(hostPort)} is not a port or port range`, 'Give a port number');
    return;
  }
  const low = Number(match[1]);
  const high = match[2] === undefined ? low : Number(match[2]);
  if (low < min || high > max || low > high) {
    ctx.deny('ports', field, `takes the host port ${hostPort}, outside the range this policy allows (${min}-${max})`, `Use a host port between ${min} and ${max}`);
  }
}

/** HostConfig.PortBindings: `{"80/tcp": [{"HostIp": "127.0.0.1", "HostPort": "8080"}]}`. */
export function judgePortBindings(ctx: ReachContext, value: PortMapBody | undefined, prefix: string): void {
  const bindings = readRecord(ctx, value, `${prefix}PortBindings`);
  if (!bindings) return;
  for (const [port, list] of Object.entries(bindings)) {
    const entries = readArray(ctx, list, `${prefix}PortBindings.${port}`) ?? [];
    entries.forEach((item, i) => {
      const at = `${prefix}PortBindings.${port}[${i}]`;
      const binding = readRecord(ctx, item, at) ?? {};
      const hostIp = readString(ctx, binding.HostIp, `${at}.HostIp`) ?? '';
      const hostPort = readString(ctx, binding.HostPort, `${at}.HostPort`) ?? '';
      judgeHostPort(ctx, at, hostIp, hostPort, '-p');
    });
  }
}

export function judgePublishAll(ctx: ReachContext, value: unknown, field: string): void {
  if (readBoolean(ctx, value, field) !== true) return;
  const { publishAll, hostIps } = ctx.constraints.ports;
  const everywhere = hostIps.some((ip) => normaliseHostIp(ip) === ALL_INTERFACES);
  if (!publishAll || !everywhere) {
    ctx.deny('ports', field, 'publishes every exposed port on every host interface, which this policy does not allow', 'Publish the ports you need with -p ADDRESS:PORT:PORT instead of -P');
  }
}
