// Who can reach the API over the network, judged by what really listens (dockerd's own TCP sockets from
// /proc, each probed from this host), the engine's own warnings, and how this audit itself got in,
// never by a pattern in daemon.json. Declared and real listeners that disagree are findings of their own.
import { isIPv4 } from 'node:net';
import { finding } from '../catalogue.js';
import type { ActualListener, AuditContext, DeclaredHost } from '../context.js';
import { tcpWarnings, type TcpWarning } from './engine-checks.js';

export function isLoopback(address: string): boolean {
  const bare = address.replace(/^\[|\]$/g, '');
  if (bare === 'localhost' || bare === '::1') return true;
  const v4 = bare.startsWith('::ffff:') ? bare.slice('::ffff:'.length) : bare;
  return isIPv4(v4) && v4.startsWith('127.');
}

function isWildcard(address: string): boolean {
  return address === '' || address === '0.0.0.0' || address === '::' || address === '[::]';
}

function hostPort(address: string, port: number): string {
  return `${address.includes(':') ? `[${address}]` : address}:${port}`;
}

function splitHostPort(text: string): { address: string; port: number } | undefined {
  const match = /^(\[[^\]]*\]|[^:]*):(\d+)$/.exec(text);
  return match ? { address: match[1]!.replace(/^\[|\]$/g, ''), port: Number(match[2]) } : undefined;
}

function reachWords(address: string): string {
  if (isLoopback(address)) return 'on loopback: every local user and process (and web pages through DNS rebinding) can reach it';
  if (isWildcard(address)) return 'on every interface: anyone who can reach this host on the network, and its containers, can reach it';
  return `on ${address}: anyone who can reach that address can reach it`;
}

function declaredMatches(declared: DeclaredHost, socket: { address: string; port: number }): boolean {
  const spec = declared.spec;
  if (spec.kind !== 'tcp' || spec.port !== socket.port) return false;
  const a = spec.address ?? '';
  if (isWildcard(a) || isWildcard(socket.address)) return true;
  if (a === 'localhost') return isLoopback(socket.address);
  return a === socket.address || `::ffff:${a}` === socket.address;
}

function tlsSettingWords(ctx: AuditContext): string | undefined {
  const config = ctx.daemon?.config;
  if (config === undefined) return undefined;
  const verify = config.boolean('tlsverify', false);
  const tls = config.boolean('tls', false);
  const where = (s: { source: string }) => (s.source === 'default' ? 'not set' : `from ${s.source}`);
  return `configured: tls ${tls.value} (${where(tls)}), tlsverify ${verify.value} (${where(verify)})`;
}

export function checkApiExposure(ctx: AuditContext): void {
  const { collector } = ctx;
  const warnings = tcpWarnings(ctx.info?.Warnings ?? []);
  const reported = new Set<string>();
  const report = (kind: 'plaintext' | 'no-verify', address: string, port: number, evidence: string[]): void => {
    const key = `${kind} ${hostPort(address, port)}`;
    if (reported.has(key)) return;
    reported.add(key);
    collector.add(
      finding(kind === 'plaintext' ? 'api.tcp-plaintext' : 'api.tcp-no-client-verify', {
        subject: `tcp://${hostPort(address, port)}`,
        severity: isLoopback(address) ? 'high' : 'critical',
        evidence: [...evidence, `listening ${reachWords(address)}`],
      }),
    );
  };
  const warningFor = (address: string, port: number): TcpWarning | undefined =>
    warnings.find((w) => {
      const hp = splitHostPort(w.address);
      return hp !== undefined && hp.port === port && (hp.address === address || isWildcard(hp.address) || isWildcard(address));
    });

  // This audit's own connection is the surest evidence for a remote engine.
  const address = ctx.api?.address;
  if (address?.kind === 'tcp' && (ctx.api?.transport === 'http' || ctx.api?.transport === 'https')) {
    const kind = ctx.api.transport === 'http' ? 'plaintext' : 'no-verify';
    report(kind, address.host, address.port, [
      kind === 'plaintext'
        ? `this audit reached ${address.url} in plain HTTP, with no credentials at all`
        : `this audit reached ${address.url} over TLS without presenting a client certificate`,
    ]);
  }

  const daemon = ctx.daemon;
  const listeners: ActualListener[] | undefined = daemon?.tcpListeners;
  const settings = tlsSettingWords(ctx);
  if (daemon !== undefined && listeners === undefined) {
    collector.skip(
      'api.listeners',
      `the file descriptors of dockerd (pid ${daemon.process.pid}) could not be read, so its real TCP listeners are unknown; judged by the engine's warnings only`,
    );
  }
  for (const listener of listeners ?? []) {
    const { socket } = listener;
    const where = `dockerd (pid ${daemon!.process.pid}) listens on ${socket.protocol} ${hostPort(socket.address, socket.port)} (socket inode ${socket.inode}, /proc/${daemon!.process.pid}/net/${socket.protocol})`;
    const warning = warningFor(socket.address, socket.port);
    const evidence = [where, listener.probeDetail, ...(warning ? [`GET /info Warnings: ${warning.text}`] : []), ...(settings ? [settings] : [])];
    if (listener.probe === 'plaintext') report('plaintext', socket.address, socket.port, evidence);
    else if (listener.probe === 'tls-no-verify') report('no-verify', socket.address, socket.port, evidence);
    else if (warning !== undefined) report(warning.kind, socket.address, socket.port, evidence);
    // A swarm node's own ports (2377 cluster management, 7946 gossip) are dockerd's too, but not the API.
    const swarmPort = ctx.info?.Swarm?.LocalNodeState === 'active' && (socket.port === 2377 || socket.port === 7946) && listener.probe !== 'plaintext' && listener.probe !== 'tls-no-verify';
    if (!swarmPort && !daemon!.declared.some((d) => declaredMatches(d, socket))) {
      collector.add(
        finding('api.listener-undeclared', {
          subject: `tcp://${hostPort(socket.address, socket.port)}`,
          evidence: [where, `declared hosts: ${daemon!.declared.map((d) => `${d.spec.raw} (${d.source})`).join(', ') || 'none'}`],
        }),
      );
    }
  }
  // Without real listeners (remote engines, unreadable fds) the engine's own warnings still tell.
  if (listeners === undefined) {
    for (const warning of warnings) {
      const hp = splitHostPort(warning.address);
      if (hp === undefined) continue;
      report(warning.kind, hp.address, hp.port, [`GET /info Warnings: ${warning.text}`, ...(settings ? [settings] : [])]);
    }
  }
  if (daemon !== undefined && listeners !== undefined) {
    for (const declared of daemon.declared) {
      if (declared.spec.kind !== 'tcp') continue;
      const spec = declared.spec;
      if (!listeners.some((l) => declaredMatches(declared, l.socket))) {
        collector.add(
          finding('api.listener-declared-absent', {
            subject: declared.spec.raw,
            evidence: [`${declared.source} declares ${spec.raw}`, `dockerd (pid ${daemon.process.pid}) holds no TCP socket listening on port ${spec.port}`],
          }),
        );
      }
    }
  }
}
