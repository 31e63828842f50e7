// Side doors to the host that are not container creates: swarm membership, plugins (which run with
// host privileges), BuildKit's channels, builds (host network, cgroup parent, security options,
// remote contexts the engine fetches), image imports from URLs, local volumes with bind or device
// options, and networks on host interfaces (macvlan, ipvlan, existing host bridges).
import type { NetworkCreateBody } from '../../inspect/schemas/network.js';
import type { PluginPrivilegesBody } from '../../inspect/schemas/plugin.js';
import type { VolumeCreateBody } from '../../inspect/schemas/volume.js';
import type { Operation } from '../../route/operations.js';
import type { QueryView } from '../../route/query.js';
import { show } from './go-strings.js';
import { judgeJoinedContainer } from './host-access.js';
import { judgeImageReference } from './image-refs.js';
import { judgeLocalVolumeOptions, judgeVolumeDriver } from './mounts.js';
import { judgeCgroupParent } from './privileges.js';
import { readArray, readBoolean, readRecord, readString, readStringMap, type ReachContext } from './reach-context.js';
import { judgeSecurityOpt } from './security-options.js';

/** Swarm membership and control: refused unless the policy grants swarm. */
export function judgeSwarm(ctx: ReachContext, operation: Operation): void {
  if (ctx.constraints.swarm) {
    ctx.findings.pass('swarm', 'the policy grants swarm control');
    return;
  }
  const reads = operation === 'swarm.inspect' || operation === 'swarm.unlockkey';
  ctx.deny(
    'swarm',
    operation,
    reads ? "reads the swarm's join tokens or unlock key, which let anyone join or unlock the cluster" : 'changes which swarm this node belongs to or how the swarm is run',
    'Ask for a rule that grants swarm control (swarm: true)',
  );
}

/** BuildKit's session and gRPC channels. */
export function judgeBuildkit(ctx: ReachContext, field: string): void {
  if (ctx.constraints.buildkit) {
    ctx.findings.pass('operation', 'the policy grants BuildKit');
    return;
  }
  ctx.deny(
    'operation',
    field,
    'opens a BuildKit channel, whose builds dockgate cannot judge (host network, insecure entitlements, host files)',
    'Build with the classic builder (DOCKER_BUILDKIT=0), or ask for a rule that grants BuildKit',
  );
}

/** plugins/pull and plugins/{name}/upgrade: any privilege the plugin asks for reaches the host. */
export function judgePluginPrivileges(ctx: ReachContext, body: PluginPrivilegesBody | null | undefined): void {
  const privileges = readArray(ctx, body, 'body') ?? [];
  if (privileges.length === 0) {
    ctx.findings.pass('plugins', 'the plugin is granted no privileges');
    return;
  }
  if (ctx.constraints.plugins) {
    ctx.findings.pass('plugins', 'the policy grants plugin privileges');
    return;
  }
  const names = privileges.map((p) => readRecord(ctx, p, 'body[]')?.Name ?? '?').join(', ');
  ctx.deny(
    'plugins',
    'body',
    `grants the plugin host privileges (${names}): plugins run as root with the mounts, devices and capabilities they ask for`,
    'Install plugins as the operator, or ask for a rule that grants plugins',
  );
}

/** plugins/create, set, enable, disable: `why` says what the change lets the plugin do to the host. */
export function judgePluginChange(ctx: ReachContext, operation: Operation, why: string): void {
  if (ctx.constraints.plugins) {
    ctx.findings.pass('plugins', 'the policy grants plugin changes');
    return;
  }
  ctx.deny('plugins', operation, why, 'Ask the operator, or for a rule that grants plugins');
}

/** POST /build: query parameters that change how the build's containers reach the host. */
export async function judgeBuild(ctx: ReachContext, query: QueryView): Promise<void> {
  await ctx.findings.run('query', 'no host network, remote context, cgroup parent or unconfined build containers', async () => {
    const remote = query.get('remote');
    if (remote !== undefined && remote !== '' && !ctx.constraints.remoteFetch) {
      ctx.deny(
        'query',
        '?remote',
        "makes the engine fetch the build context from a URL, from the host's network",
        'Send the build context from the client (docker build DIR, or - for stdin)',
      );
    }
    const network = query.get('networkmode');
    if (network === 'host' && !ctx.constraints.hostNamespaces.network) {
      ctx.deny('query', '?networkmode', "runs the build's containers on the host network", 'Remove --network host');
    } else if (network !== undefined && network.startsWith('container:')) {
      await judgeJoinedContainer(ctx, '?networkmode', network.slice('container:'.length), "runs the build's containers in the network of");
    } else if (network !== undefined && network.startsWith('ns:')) {
      ctx.deny('query', '?networkmode', 'names a namespace file on the host', 'Remove --network');
    }
    judgeCgroupParent(ctx, query.get('cgroupparent'), '?cgroupparent');
    const options = query.all('securityopt');
    options.forEach((opt, i) => {
      if (opt === 'insecure' || opt === 'security.insecure') {
        if (!ctx.constraints.unconfined) ctx.deny('query', `?securityopt[${i}]`, 'runs build steps without confinement (the insecure entitlement)', 'Remove --allow security.insecure');
      }
    });
    judgeSecurityOpt(
      ctx,
      options.filter((o) => o !== 'insecure' && o !== 'security.insecure'),
      '?securityopt',
    );
    const version = query.get('version');
    if (version === '2' || (query.get('session') ?? '') !== '') judgeBuildkit(ctx, version === '2' ? '?version' : '?session');
  });
}

/** POST /images/create: a pull (`fromImage`) or an import (`fromSrc`: `-` is the body, anything else a URL). */
export function judgeImageCreate(ctx: ReachContext, query: QueryView): void {
  const source = query.get('fromSrc');
  if (source !== undefined && source !== '' && source !== '-' && !ctx.constraints.remoteFetch) {
    ctx.deny(
      'query',
      '?fromSrc',
      "makes the engine fetch an image from a URL, from the host's network",
      'Download the file and import it from the client (docker import FILE, or - for stdin)',
    );
  }
  const image = query.get('fromImage');
  const tag = query.get('tag') ?? '';
  if (image !== undefined && image !== '') {
    const ref = tag === '' ? image : tag.includes(':') ? `${image}@${tag}` : `${image}:${tag}`;
    judgeImageReference(ctx, '?fromImage', ref);
  }
  if (!ctx.findings.denied) ctx.findings.pass('query', source !== undefined && source !== '' ? 'the image is imported from the request body' : 'a pull');
}

/** POST /volumes/create. */
export async function judgeVolumeCreate(ctx: ReachContext, body: VolumeCreateBody | null | undefined): Promise<void> {
  await ctx.findings.run('volumes', 'a plain volume: no host bind, device or network filesystem', async () => {
    const volume: VolumeCreateBody = readRecord(ctx, body, 'body') ?? {};
    const driver = readString(ctx, volume.Driver, 'Driver');
    judgeVolumeDriver(ctx, 'Driver', driver);
    const options = readStringMap(ctx, volume.DriverOpts, 'DriverOpts');
    if (driver === undefined || driver === '' || driver === 'local') await judgeLocalVolumeOptions(ctx, 'DriverOpts', options);
    if (volume.ClusterVolumeSpec !== undefined && volume.ClusterVolumeSpec !== null && !ctx.constraints.plugins) {
      ctx.deny('volumes', 'ClusterVolumeSpec', 'creates a cluster volume, mounted by a CSI plugin running on the hosts', 'Create a local volume, or ask for a rule that grants plugins');
    }
  });
}

/** Bridge options that attach the network to something that already exists on the host. */
const HOST_BRIDGE_OPTIONS: Readonly<Record<string, string>> = {
  'com.docker.network.bridge.name': 'names the host bridge to use, which attaches containers to an existing host interface',
  'com.docker.network.bridge.trusted_host_interfaces': 'lets host interfaces reach the containers directly',
};

/** POST /networks/create. */
export function judgeNetworkCreate(ctx: ReachContext, body: NetworkCreateBody | null | undefined): void {
  const network: NetworkCreateBody = readRecord(ctx, body, 'body') ?? {};
  const driver = readString(ctx, network.Driver, 'Driver') || 'bridge';
  const allowed = ctx.constraints.networkDrivers;
  if (!allowed.includes(driver)) {
    ctx.deny(
      'networks',
      'Driver',
      driver === 'macvlan' || driver === 'ipvlan'
        ? `a ${driver} network puts containers directly on a host interface, past the host's firewall`
        : `the network driver ${show(driver)} is not one this policy allows (allowed: ${allowed.join(', ') || 'none'})`,
      `Use one of: ${allowed.join(', ') || 'no network driver is allowed'}`,
    );
  }
  if (readBoolean(ctx, network.ConfigOnly, 'ConfigOnly') === true && !allowed.includes('macvlan') && !allowed.includes('ipvlan')) {
    ctx.deny('networks', 'ConfigOnly', 'a configuration-only network holds host interface settings for macvlan or ipvlan networks', 'Create a bridge network');
  }
  if (readBoolean(ctx, network.Ingress, 'Ingress') === true && !ctx.constraints.swarm) {
    ctx.deny('networks', 'Ingress', "replaces the swarm's routing mesh", 'Ask for a rule that grants swarm control');
  }
  const options = readStringMap(ctx, network.Options, 'Options');
  for (const [key, why] of Object.entries(HOST_BRIDGE_OPTIONS)) {
    if (key in options && !ctx.constraints.unconfined) ctx.deny('networks', `Options.${key}`, why, `Remove -o ${key}`);
  }
  for (const key of ['com.docker.network.bridge.gateway_mode_ipv4', 'com.docker.network.bridge.gateway_mode_ipv6']) {
    if (options[key] === 'nat-unprotected' && !ctx.constraints.unconfined) {
      ctx.deny('networks', `Options.${key}`, "exposes every container port to the host's networks without filtering", `Remove -o ${key}`);
    }
  }
  if (!ctx.findings.denied) ctx.findings.pass('networks', `a ${driver} network`);
}
