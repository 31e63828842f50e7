// Whether a dockgate serve in front of this engine serves the Engine API in plain HTTP off loopback
// (`--insecure-listen`, or `--compat docker-socket-proxy` with no listener given): no authentication, so
// every client in its allowed networks gets what its policy grants.
//
// Judged as the API exposure of dockerd is (api-exposure.ts), by what really listens: the TCP sockets the
// gateway process holds in LISTEN (its fds and /proc/PID/net/tcp*, which show its own network namespace,
// a container's included), each matched by port to what its command line declares plain; the listener is
// then asked GET /_ping in plain HTTP from this host. The probe is evidence, not the test: a listener whose
// allow-list leaves this host out refuses it, as designed, and is reported all the same.
import { finding } from '../catalogue.js';
import type { AuditContext } from '../context.js';
import { readInetSockets, socketInodes, type InetSocket } from '../host/proc.js';
import { probeListener } from '../probe-listener.js';
import { isLoopback } from './api-exposure.js';
import { gatewaysFronting } from './socket-access.js';
import { isPrivateAddress, isPrivateNetwork } from '../../listen/container-network-listeners.js';

/** A plain listener as the command line declares it. */
interface DeclaredPlain {
  /** How it is declared, for the evidence. */
  declaration: string;
  port: number;
  /** The allow= entries as written; `subnet` for the network of the bound address. */
  allow: string[];
}

const LISTENER_FLAGS = ['--listen', '--insecure-listen', '--insecure-listen-loopback'];

/** `--flag value` and `--flag=value` pairs of a command line. */
function flagValues(args: readonly string[]): Array<{ flag: string; value: string }> {
  const out: Array<{ flag: string; value: string }> = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const eq = arg.indexOf('=');
    if (arg.startsWith('--') && eq !== -1) out.push({ flag: arg.slice(0, eq), value: arg.slice(eq + 1) });
    else if (arg.startsWith('--') && args[i + 1] !== undefined && !args[i + 1]!.startsWith('--')) out.push({ flag: arg, value: args[++i]! });
  }
  return out;
}

/** The plain listeners off loopback a `dockgate serve` command line declares. */
export function declaredPlainListeners(args: readonly string[]): DeclaredPlain[] {
  const flags = flagValues(args);
  const plain = flags.flatMap(({ flag, value }) => {
    const port = /:(\d{1,5})(\?|$)/.exec(value)?.[1];
    if (flag !== '--insecure-listen' || port === undefined) return [];
    const allow = (/[?&]allow=([^&]*)/.exec(value)?.[1] ?? '').split(',').filter((entry) => entry !== '');
    return [{ declaration: `--insecure-listen ${value}`, port: Number(port), allow }];
  });
  const compat = flags.find(({ flag }) => flag === '--compat');
  if (compat !== undefined && !flags.some(({ flag }) => LISTENER_FLAGS.includes(flag))) {
    plain.push({ declaration: `--compat ${compat.value} with no listener: :2375 on each of its network interfaces, each limited to its own subnet`, port: 2375, allow: ['subnet'] });
  }
  return plain;
}

/**
 * Medium: plain HTTP for the clients of private networks, as a compose network is. High: the address it is
 * bound to, or a network it admits, lies outside the private ranges: clients beyond a container network.
 * Returns the severity and the addresses that made it high.
 */
export function plainListenerSeverity(address: string, allow: readonly string[]): { severity: 'medium' | 'high'; outside: string[] } {
  const networks = allow.filter((entry) => entry !== 'subnet');
  const wide = networks.filter((entry) => {
    const [network = '', prefix] = entry.split('/');
    return !isPrivateNetwork(network, prefix === undefined ? (network.includes(':') ? 128 : 32) : Number(prefix));
  });
  const outside = [...(isPrivateAddress(address) ? [] : [address]), ...wide];
  return { severity: outside.length > 0 ? 'high' : 'medium', outside };
}

function hostPort(socket: InetSocket): string {
  return `${socket.address.includes(':') ? `[${socket.address}]` : socket.address}:${socket.port}`;
}

export async function checkGatewayListeners(ctx: AuditContext): Promise<void> {
  if (ctx.socketPath === undefined) return;
  for (const { process } of gatewaysFronting(ctx.socketPath)) {
    const declared = declaredPlainListeners(process.argv);
    if (declared.length === 0) continue;
    const held = socketInodes(process.pid);
    const inet = held === 'denied' ? undefined : readInetSockets(process.pid);
    if (held === 'denied' || inet === undefined) {
      ctx.collector.skip('gateway.listeners', `the sockets of dockgate serve (pid ${process.pid}) could not be read, so where its plain-HTTP listeners are bound is unknown`);
      continue;
    }
    for (const socket of inet.filter((s) => s.listening && s.protocol.startsWith('tcp') && held.has(s.inode) && !isLoopback(s.address))) {
      const plain = declared.find((d) => d.port === socket.port);
      if (plain === undefined) continue;
      const probe = await probeListener(socket);
      const { severity, outside: wide } = plainListenerSeverity(socket.address, plain.allow);
      ctx.collector.add(
        finding('gateway.plain-listener', {
          subject: `tcp://${hostPort(socket)}`,
          severity,
          evidence: [
            `dockgate serve (pid ${process.pid}, uid ${process.uid}) listens on ${socket.protocol} ${hostPort(socket)} (socket inode ${socket.inode}, /proc/${process.pid}/net/${socket.protocol})`,
            `declared by ${plain.declaration}`,
            `clients allowed: ${plain.allow.join(', ')}${wide.length > 0 ? `; ${wide.join(', ')} ${wide.length === 1 ? 'is' : 'are'} outside the private ranges container networks use` : ''}`,
            probe.probe === 'plaintext'
              ? probe.probeDetail
              : `a plain-HTTP probe from this host was not answered (${probe.probeDetail}), as a listener whose allow-list leaves this host out does`,
            'plain HTTP without authentication: every client in those networks gets what its policy grants',
          ],
        }),
      );
    }
  }
}
