// Mounts: every way a container gets host storage. Binds (host paths and named volumes), Mounts of every
// type, VolumesFrom (judged by the source container's mounts), anonymous volumes and their driver, named
// volumes resolved through the engine (judged by their driver options), and the local volume driver's
// `type`/`o`/`device` options, which turn a "volume" into a bind or device mount.
import type { MountBody } from '../../inspect/schemas/mount.js';
import type { ContainerFacts, VolumeFacts } from '../engine-lookup.js';
import { parseBindSpec } from './bind-spec.js';
import { show } from './go-strings.js';
import { exposedProtectedPath, isProtectedSocketInode, judgeAgainstRoots, resolveHostPath, UnresolvablePathError } from './host-paths.js';
import { judgeImageReference } from './image-refs.js';
import { isRecord, readArray, readBoolean, readRecord, readString, readStringMap, type ReachContext } from './reach-context.js';

const NAMED_VOLUME_FIX = 'Use a named volume instead (-v NAME:/path or --mount type=volume,source=NAME,target=/path)';

export interface HostPathUse {
  /** What mounts it, for messages: `bind-mounts`, `the local volume's device`. */
  what: string;
  /** The engine cleans the path lexically before it mounts it (Binds, Mounts), or passes it as written. */
  engineCleans: boolean;
  /** SELinux relabel requested (`z`/`Z`): it writes labels on the host, so a read-only root refuses it. */
  relabel?: string;
  /** The mount is read-only only for the top level: submounts stay writable. */
  nonRecursiveReadOnly?: boolean;
}

/** Judges one host path against the client's bind roots, the protected sockets and their parents. */
export async function judgeHostPath(ctx: ReachContext, field: string, raw: string, readOnly: boolean, use: HostPathUse): Promise<void> {
  ctx.hostPaths.push(field);
  if (!raw.startsWith('/')) {
    ctx.deny('mounts', field, `${use.what} ${show(raw)}, which is not an absolute host path`, 'Give an absolute host path under an allowed bind root');
    return;
  }
  let resolved: string;
  let exists: boolean;
  try {
    ({ resolved, exists } = await resolveHostPath(raw, use.engineCleans));
  } catch (err) {
    const why = err instanceof UnresolvablePathError ? err.message : String(err);
    ctx.deny('mounts', field, `${use.what} ${show(raw)}, which dockgate cannot resolve on the host: ${why}`, NAMED_VOLUME_FIX);
    return;
  }
  const resolvesTo = resolved === raw ? '' : ` (it resolves to ${show(resolved)} on the host)`;
  const protectedList = await ctx.protected();
  const exposed = exposedProtectedPath(resolved, protectedList);
  if (exposed !== undefined || (exists && (await isProtectedSocketInode(resolved, protectedList)))) {
    ctx.deny(
      'mounts',
      field,
      `${use.what} ${show(raw)}${resolvesTo}, which would expose the engine socket ${exposed ?? resolved}: whoever holds it is root on the host`,
      'Never mount the Docker or containerd socket, or a directory above it, into a container; talk to the gateway instead',
    );
    return;
  }
  const roots = ctx.constraints.bindRoots;
  const verdict = judgeAgainstRoots(resolved, readOnly, roots);
  if (!verdict.ok && verdict.reason === 'outside') {
    ctx.deny(
      'mounts',
      field,
      roots.length === 0
        ? `${use.what} the host path ${show(raw)}${resolvesTo}, and this policy grants no host bind roots`
        : `${use.what} the host path ${show(raw)}${resolvesTo}, which is not under an allowed bind root (${roots.map((r) => `${r.path}${r.readOnly ? ':ro' : ''}`).join(', ')})`,
      `${NAMED_VOLUME_FIX}, or ask for a rule that grants the directory (--allow-bind DIR[:ro])`,
    );
    return;
  }
  if (!verdict.ok) {
    ctx.deny(
      'mounts',
      field,
      `${use.what} ${show(raw)}${resolvesTo} read-write, but the bind root ${verdict.root.path} is read-only for this client`,
      'Mount it read-only (add :ro to the bind, or ReadOnly: true to the mount)',
    );
    return;
  }
  const root = verdict.root;
  const underReadOnlyRoot = roots.some((r) => r.readOnly && (resolved === r.path || resolved.startsWith(`${r.path}/`) || r.path.startsWith(`${resolved}/`)));
  if (use.relabel !== undefined && underReadOnlyRoot) {
    ctx.deny('mounts', field, `the :${use.relabel} option relabels ${show(raw)} on the host, which writes to a read-only bind root (${root.path})`, `Remove the :${use.relabel} option`);
  }
  if (use.nonRecursiveReadOnly && underReadOnlyRoot) {
    ctx.deny('mounts', field, `ReadOnlyNonRecursive leaves mounts below ${show(raw)} writable, but the bind root ${root.path} is read-only`, 'Remove BindOptions.ReadOnlyNonRecursive');
  }
}

/** A volume driver other than `local` runs plugin code on the host with the mount. */
export function judgeVolumeDriver(ctx: ReachContext, field: string, driver: string | undefined): void {
  if (driver === undefined || driver === '' || driver === 'local') return;
  if (ctx.constraints.volumeDrivers.includes(driver)) return;
  ctx.deny(
    'mounts',
    field,
    `uses the volume driver ${show(driver)}, which this policy does not grant (a volume plugin mounts whatever it is told on the host)`,
    ctx.constraints.volumeDrivers.length === 0 ? 'Use the local driver' : `Use the local driver or one of: ${ctx.constraints.volumeDrivers.join(', ')}`,
  );
}

const LOCAL_OPTIONS = new Set(['type', 'o', 'device', 'size']);

/**
 * The local driver's options: none (a plain directory under the engine's data root), `size`, or
 * `type=tmpfs`, are storage the container owns. `o=bind` (or `rbind`) with a `device` is a bind of that
 * host path (judged like a bind, read-only when `o` says `ro`); any other `type` mounts a block device
 * or a network filesystem (`ext4`, `nfs`, `cifs`, `proc`, ...) as root on the host.
 */
export async function judgeLocalVolumeOptions(ctx: ReachContext, field: string, options: Readonly<Record<string, string>>, existing?: string): Promise<void> {
  // Options of a volume that already exists are reported at the field that names it.
  const at = (key: string): string => (existing === undefined ? `${field}.${key}` : field);
  const subject = existing === undefined ? 'the local volume' : `the existing volume ${show(existing)}`;
  for (const key of Object.keys(options)) {
    if (!LOCAL_OPTIONS.has(key)) {
      ctx.deny('mounts', at(key), `${show(key)} is not an option of the local volume driver`, 'Use only type, o, device and size');
    }
  }
  const type = options['type'] ?? '';
  const device = options['device'] ?? '';
  const flags = (options['o'] ?? '').split(',');
  if (type === '' && device === '') return;
  let bind = false;
  let readOnly = false;
  for (const flag of flags) {
    if (flag === 'bind' || flag === 'rbind') bind = true;
    else if (flag === 'ro') readOnly = true;
    else if (flag === 'rw') readOnly = false;
    else if (flag === 'shared' || flag === 'rshared') {
      ctx.deny('mounts', at('o'), `${subject} asks for ${flag} mount propagation, which lets mounts cross between container and host`, 'Remove the propagation option');
    }
  }
  if (bind) {
    await judgeHostPath(ctx, at('device'), device, readOnly, { what: `${subject} bind-mounts`, engineCleans: false });
    return;
  }
  if (type === 'tmpfs') return;
  ctx.deny(
    'mounts',
    field,
    `${subject} mounts ${type === '' ? 'the device' : `a ${show(type)} filesystem from`} ${show(device)} as root on the host (block devices and network filesystems reach the host)`,
    'Use a plain named volume (no driver options), or type=tmpfs',
  );
}

/** A named volume that already exists is judged by its driver and options; a new one by the driver that will create it. */
export async function judgeNamedVolume(ctx: ReachContext, field: string, name: string, driverIfNew: string | undefined): Promise<void> {
  if (ctx.defers(field, `the volume ${show(name)}`)) return;
  const volume = await ctx.engine.volume(name);
  if (volume === undefined) {
    judgeVolumeDriver(ctx, field, driverIfNew);
    return;
  }
  await judgeExistingVolume(ctx, field, volume);
}

export async function judgeExistingVolume(ctx: ReachContext, field: string, volume: VolumeFacts): Promise<void> {
  if (volume.Driver !== 'local') {
    judgeVolumeDriver(ctx, field, volume.Driver);
    return;
  }
  if (volume.Options) await judgeLocalVolumeOptions(ctx, field, volume.Options, volume.Name);
}

/** HostConfig.Binds. */
export async function judgeBinds(ctx: ReachContext, binds: readonly string[], volumeDriver: string | undefined, field = 'HostConfig.Binds'): Promise<void> {
  for (const [i, raw] of binds.entries()) {
    const at = `${field}[${i}]`;
    const spec = parseBindSpec(raw);
    if (typeof spec === 'string') {
      ctx.deny('mounts', at, `${show(raw)} is not a bind the engine accepts: ${spec}`, 'Write it as SOURCE:TARGET[:ro]');
      continue;
    }
    if (spec.propagation === 'shared' || spec.propagation === 'rshared') {
      ctx.deny('mounts', at, `asks for ${spec.propagation} mount propagation, which lets mounts cross between container and host`, `Remove :${spec.propagation}`);
    }
    if (spec.kind === 'bind') {
      await judgeHostPath(ctx, at, spec.source, spec.readOnly, { what: 'bind-mounts', engineCleans: true, ...(spec.label !== undefined && { relabel: spec.label }) });
    } else if (spec.kind === 'volume') {
      await judgeNamedVolume(ctx, at, spec.source, volumeDriver);
    } else {
      judgeVolumeDriver(ctx, at, volumeDriver);
    }
  }
}

/** HostConfig.Mounts, or a service's ContainerSpec.Mounts. */
export async function judgeMounts(ctx: ReachContext, mounts: readonly MountBody[], field: string): Promise<void> {
  for (const [i, item] of mounts.entries()) {
    const at = `${field}[${i}]`;
    const mount = readRecord(ctx, item, at);
    if (mount === undefined) continue;
    const type = readString(ctx, mount.Type, `${at}.Type`) ?? '';
    const source = readString(ctx, mount.Source, `${at}.Source`) ?? '';
    const readOnly = readBoolean(ctx, mount.ReadOnly, `${at}.ReadOnly`) ?? false;
    switch (type) {
      case 'bind': {
        const options = readRecord(ctx, mount.BindOptions, `${at}.BindOptions`) ?? {};
        const propagation = readString(ctx, options.Propagation, `${at}.BindOptions.Propagation`);
        if (propagation === 'shared' || propagation === 'rshared') {
          ctx.deny(
            'mounts',
            `${at}.BindOptions.Propagation`,
            `asks for ${propagation} mount propagation, which lets mounts cross between container and host`,
            'Remove the propagation option',
          );
        }
        if (readBoolean(ctx, options.CreateMountpoint, `${at}.BindOptions.CreateMountpoint`) === true) {
          ctx.deny('mounts', `${at}.BindOptions.CreateMountpoint`, 'creates directories on the host as root', 'Create the directory first, then bind it without CreateMountpoint');
        }
        const nonRecursive = readBoolean(ctx, options.ReadOnlyNonRecursive, `${at}.BindOptions.ReadOnlyNonRecursive`) === true;
        await judgeHostPath(ctx, `${at}.Source`, source, readOnly, { what: 'bind-mounts', engineCleans: true, nonRecursiveReadOnly: nonRecursive });
        break;
      }
      case 'volume': {
        const options = readRecord(ctx, mount.VolumeOptions, `${at}.VolumeOptions`) ?? {};
        const driverConfig = readRecord(ctx, options.DriverConfig, `${at}.VolumeOptions.DriverConfig`);
        const driver = driverConfig && readString(ctx, driverConfig.Name, `${at}.VolumeOptions.DriverConfig.Name`);
        const driverOptions = driverConfig && readStringMap(ctx, driverConfig.Options, `${at}.VolumeOptions.DriverConfig.Options`);
        judgeVolumeDriver(ctx, `${at}.VolumeOptions.DriverConfig.Name`, driver);
        if (driverOptions && (driver === undefined || driver === '' || driver === 'local')) {
          await judgeLocalVolumeOptions(ctx, `${at}.VolumeOptions.DriverConfig.Options`, driverOptions);
        }
        if (source !== '' && !ctx.defers(`${at}.Source`, `the volume ${show(source)}`)) {
          const existing = await ctx.engine.volume(source);
          if (existing) await judgeExistingVolume(ctx, `${at}.Source`, existing);
        }
        break;
      }
      case 'tmpfs':
        break;
      case 'image':
        judgeImageReference(ctx, `${at}.Source`, source);
        break;
      case 'cluster':
        if (!ctx.constraints.plugins) {
          ctx.deny('mounts', `${at}.Type`, 'a cluster volume is mounted by a CSI plugin running on the host', 'Use a named local volume, or ask for a rule that grants plugins');
        }
        break;
      case 'npipe':
        ctx.deny('mounts', `${at}.Type`, 'a named pipe is a host path mounted into the container', 'Use a named volume');
        break;
      default:
        ctx.deny('mounts', `${at}.Type`, `the mount type ${show(type)} is not one dockgate knows`, 'Use bind, volume, tmpfs or image');
    }
  }
}

/** Config.Volumes (anonymous volumes) are created by HostConfig.VolumeDriver. */
export function judgeAnonymousVolumes(ctx: ReachContext, volumes: unknown, volumeDriver: string | undefined): void {
  const map = readRecord(ctx, volumes, 'Volumes');
  if (map && Object.keys(map).length > 0) judgeVolumeDriver(ctx, 'HostConfig.VolumeDriver', volumeDriver);
}

/**
 * HostConfig.VolumesFrom: `container[:ro|rw]`; the new container gets every mount of the source. Returns
 * the entries with each judged source's full id in place of the reference (the engine resolves a name when
 * the create reaches it, and a rename in between would name another container), or undefined when every
 * entry already names a full id.
 */
export async function judgeVolumesFrom(ctx: ReachContext, entries: readonly string[], field = 'HostConfig.VolumesFrom'): Promise<string[] | undefined> {
  const pinned = [...entries];
  for (const [i, raw] of entries.entries()) {
    const at = `${field}[${i}]`;
    const colon = raw.indexOf(':');
    const ref = colon === -1 ? raw : raw.slice(0, colon);
    const mode = colon === -1 ? '' : raw.slice(colon + 1);
    if (ref === '') {
      ctx.deny('mounts', at, 'names no container', 'Write it as CONTAINER[:ro]');
      continue;
    }
    if (ctx.defers(at, `the container ${show(ref)}`)) continue;
    const source = await ctx.engine.container(ref);
    if (source === undefined) {
      ctx.deny('mounts', at, `the container ${show(ref)} does not exist, so its mounts cannot be judged`, 'Create the source container first');
      continue;
    }
    const readOnly = mode.split(',').includes('ro');
    await judgeContainerMountPoints(ctx, at, source, readOnly, `inherits from ${show(ref)}`);
    if (source.Id !== ref) pinned[i] = colon === -1 ? source.Id : `${source.Id}:${mode}`;
  }
  return pinned.some((entry, i) => entry !== entries[i]) ? pinned : undefined;
}

/** The mounts an existing container has (its inspect `Mounts`), as they would reach a new user of them. */
export async function judgeContainerMountPoints(ctx: ReachContext, field: string, container: ContainerFacts, forceReadOnly: boolean, how: string): Promise<void> {
  const mounts = readArray(ctx, container.Mounts, `${field} (container mounts)`) ?? [];
  for (const item of mounts) {
    if (!isRecord(item)) continue;
    const type = typeof item.Type === 'string' ? item.Type : '';
    const source = typeof item.Source === 'string' ? item.Source : '';
    const destination = typeof item.Destination === 'string' ? item.Destination : '';
    const readOnly = forceReadOnly || item.RW === false;
    const at = `${field} → ${destination || source}`;
    if (type === 'bind') {
      await judgeHostPath(ctx, at, source, readOnly, { what: `${how} a bind of`, engineCleans: true });
    } else if (type === 'volume') {
      const name = typeof item.Name === 'string' ? item.Name : '';
      const volume = name === '' ? undefined : await ctx.engine.volume(name);
      if (volume) await judgeExistingVolume(ctx, at, volume);
      else if (typeof item.Driver === 'string') judgeVolumeDriver(ctx, at, item.Driver);
    } else if (type === 'npipe') {
      ctx.deny('mounts', at, `${how} a named pipe from the host`, 'Use a container without host mounts');
    } else if (type === 'cluster' && !ctx.constraints.plugins) {
      ctx.deny('mounts', at, `${how} a cluster volume mounted by a CSI plugin`, 'Use a container without cluster volumes');
    }
  }
}
