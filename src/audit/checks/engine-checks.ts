// The engine as it reports itself (GET /info, GET /version): versions with known API-security flaws
// or without upstream maintenance, authorization plugins, swarm, its own warnings, debug and
// experimental modes, insecure registries, the storage driver and the daemon-wide seccomp profile.
import { finding } from '../catalogue.js';
import { securityOptions, type AuditContext } from '../context.js';

export interface EngineRelease {
  major: number;
  minor: number;
  patch: number;
  /** Anything after the numbers (`+dfsg1`, `-ce`): a distribution or vendor build. */
  suffix: string;
}

export function parseEngineVersion(version: string): EngineRelease | undefined {
  const match = /^v?(\d+)\.(\d+)(?:\.(\d+))?(.*)$/.exec(version.trim());
  if (!match) return undefined;
  return { major: Number(match[1]), minor: Number(match[2]), patch: Number(match[3] ?? 0), suffix: match[4] ?? '' };
}

function below(v: EngineRelease, major: number, minor: number, patch: number): boolean {
  if (v.major !== major) return v.major < major;
  if (v.minor !== minor) return v.minor < minor;
  return v.patch < patch;
}

/**
 * CVE-2024-41110 (GHSA-v23v-6jw2-98fq): a request with Content-Length 0 reached AuthZ plugins without its
 * body. Fixed upstream in 23.0.15, 25.0.6, 26.1.5 and 27.1.1; the 19.03, 20.10, 24.0, 26.0 and 27.0
 * lines never got an upstream fix.
 */
export function affectedByCve202441110(v: EngineRelease): boolean {
  if (v.major < 23) return true;
  if (v.major === 23) return below(v, 23, 0, 15);
  if (v.major === 24) return true;
  if (v.major === 25) return below(v, 25, 0, 6);
  if (v.major === 26) return v.minor === 0 || below(v, 26, 1, 5);
  if (v.major === 27) return v.minor === 0 || below(v, 27, 1, 1);
  return false;
}

/** Release lines before 25.0 have had no upstream maintenance since 2024 at the latest. */
export function endOfLife(v: EngineRelease): boolean {
  return v.major < 25;
}

const TCP_WARNING = /API is accessible on (https?):\/\/(\S+?) without (encryption|TLS client verification)/;

export interface TcpWarning {
  scheme: 'http' | 'https';
  /** host:port as the engine printed it. */
  address: string;
  kind: 'plaintext' | 'no-verify';
  text: string;
}

/** The engine's own warnings about its TCP hosts (moby daemon/info.go), one per host. */
export function tcpWarnings(warnings: readonly string[]): TcpWarning[] {
  const out: TcpWarning[] = [];
  for (const text of warnings) {
    const match = TCP_WARNING.exec(text);
    if (match) out.push({ scheme: match[1] as 'http' | 'https', address: match[2]!.replace(/\.$/, ''), kind: match[3] === 'encryption' ? 'plaintext' : 'no-verify', text: firstLine(text) });
  }
  return out;
}

export function firstLine(text: string): string {
  return text.split('\n')[0]!.trim();
}

export function checkEngine(ctx: AuditContext): void {
  const { info, version, collector } = ctx;
  if (info === undefined || version === undefined) return;
  const serverVersion = version.Version ?? info.ServerVersion ?? '';
  const release = parseEngineVersion(serverVersion);
  const authz = info.Plugins?.Authorization ?? [];
  if (release === undefined) {
    collector.skip('engine.version', `the engine version ${JSON.stringify(serverVersion)} could not be read, so known flaws were not looked up`);
  } else {
    const vendor = release.suffix === '' ? '' : ` (a vendor build, "${release.suffix}": check whether it carries a backported fix)`;
    if (authz.length > 0 && affectedByCve202441110(release)) {
      collector.add(
        finding('engine.authz-bypass-cve-2024-41110', {
          evidence: [
            `GET /version: Version ${serverVersion}${vendor}`,
            `GET /info: Plugins.Authorization ${JSON.stringify(authz)}`,
            'requests with Content-Length: 0 reach the plugins without their body, so body-based policy can be bypassed',
          ],
        }),
      );
    }
    if (endOfLife(release)) {
      collector.add(
        finding('engine.end-of-life', { evidence: [`GET /version: Version ${serverVersion}${vendor}; the ${release.major}.${release.minor} line no longer gets upstream security fixes`] }),
      );
    }
  }
  if (info.Swarm?.LocalNodeState === 'active') {
    collector.add(finding('engine.swarm-active', { evidence: [`GET /info: Swarm.LocalNodeState active${info.Swarm.ControlAvailable ? ', this node is a manager' : ''}`] }));
  }
  for (const warning of info.Warnings ?? []) {
    if (TCP_WARNING.test(warning)) continue; // judged with the listeners
    collector.add(finding('engine.warning', { subject: firstLine(warning).replace(/^WARNING:\s*/, ''), evidence: [`GET /info Warnings: ${firstLine(warning)}`] }));
  }
  if (info.ExperimentalBuild === true) collector.add(finding('engine.experimental', { evidence: ['GET /info: ExperimentalBuild true'] }));
  if (info.Debug === true) collector.add(finding('engine.debug-logging', { evidence: ['GET /info: Debug true (requests and their details are logged)'] }));
  const insecure = Object.values(info.RegistryConfig?.IndexConfigs ?? {})
    .filter((c) => c.Secure === false)
    .map((c) => c.Name ?? '?');
  const cidrs = (info.RegistryConfig?.InsecureRegistryCIDRs ?? []).filter((c) => c !== '127.0.0.0/8' && c !== '::1/128');
  if (insecure.length > 0 || cidrs.length > 0) {
    collector.add(finding('engine.insecure-registry', { evidence: [`GET /info: RegistryConfig names insecure registries ${[...insecure, ...cidrs].join(', ')}`] }));
  }
  if (info.Driver === 'aufs') collector.add(finding('engine.aufs', { evidence: ['GET /info: Driver aufs'] }));
  const seccomp = securityOptions(ctx).find((o) => o.startsWith('name=seccomp'));
  if (seccomp === undefined) {
    collector.add(finding('daemon.seccomp-off', { evidence: [`GET /info: SecurityOptions ${JSON.stringify(securityOptions(ctx))} has no name=seccomp entry`] }));
  } else if (/profile=unconfined\b/.test(seccomp)) {
    collector.add(finding('daemon.seccomp-unconfined', { evidence: [`GET /info: SecurityOptions ${seccomp}`] }));
  }
  const configured = ctx.daemon?.config.list('authorization-plugins');
  if (configured !== undefined) {
    const missing = configured.value.filter((p) => !authz.includes(p));
    if (missing.length > 0) {
      collector.add(
        finding('engine.authz-plugin-not-active', {
          evidence: [`${configured.source} authorization-plugins: ${JSON.stringify(configured.value)}`, `GET /info: Plugins.Authorization ${JSON.stringify(authz)}`],
        }),
      );
    }
  }
}
