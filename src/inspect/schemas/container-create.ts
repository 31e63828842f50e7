// The body of POST /containers/create, decoded as the engine decodes it. Engines up to 26 (API 1.45)
// decode it into runconfig.ContainerConfigWrapper, which embeds container.Config and, as a legacy,
// container.HostConfig at the root beside the real HostConfig, Cpuset and NetworkingConfig; engines from
// 27 on decode container.CreateRequest, where root-level HostConfig fields and Cpuset are unknown keys.
// The reader takes the wrapper's shape; resolveLegacyRoot then applies the root-level fields the way the
// engine behind the gateway does (getHostConfig: all of them when HostConfig is absent; only Memory,
// MemorySwap, CpuShares, CpusetCpus and VolumeDriver where HostConfig leaves them zero; Cpuset into
// CpusetCpus), and the canonical body carries them in HostConfig, where every engine reads them alike.
import { mapOf, object, pointer, str, type BodyOf } from '../body-schema.js';
import type { NormalisationLog } from '../../route/normalisation.js';
import { containerConfigFields } from './container-config.js';
import { endpointSettings } from './endpoint-settings.js';
import { hostConfig, hostConfigFields } from './host-config.js';

type Plain = Record<string, unknown>;

const CONFIG_FIELDS = Object.keys(containerConfigFields);
const LEGACY_FIELDS = Object.keys(hostConfigFields);
const IS_LEGACY_FIELD: ReadonlySet<string> = new Set(LEGACY_FIELDS);

/** The wrapper in Go's field order: embedded Config, HostConfig, Cpuset, NetworkingConfig, embedded legacy HostConfig. */
export const containerCreateBody = object(
  {
    ...containerConfigFields,
    HostConfig: pointer(hostConfig),
    Cpuset: str,
    NetworkingConfig: pointer(object({ EndpointsConfig: mapOf(pointer(endpointSettings)) })),
    ...hostConfigFields,
  },
  { embedded: { Config: CONFIG_FIELDS, HostConfig: LEGACY_FIELDS } },
);

/** A create body as judged: the legacy root-level fields are set aside (splitCreateBody) before the judge sees it. */
export type ContainerCreateBody = BodyOf<typeof containerCreateBody>;

/** Root-level fields of a create body that only engines up to 26 read, set aside by splitCreateBody. */
export interface LegacyRoot {
  /** Legacy HostConfig fields as decoded (nil ones absent). */
  readonly hostConfig: Plain;
  /** Whether Go allocated the embedded legacy HostConfig (a legacy key was present, even as null). */
  readonly allocated: boolean;
  readonly cpuset: string | undefined;
}

/** The newest engine API version that still reads root-level HostConfig fields (engine 26.1). */
export const LAST_API_WITH_LEGACY_ROOT = { major: 1, minor: 45 } as const;

/**
 * Splits a decoded wrapper into the canonical create body (Config fields, HostConfig, NetworkingConfig)
 * and the legacy root-level fields, if any. `configAllocated`: Go allocated the embedded Config because a
 * Config key was present; a canonical body with no Config field would leave it nil, so an empty Image
 * stands in for it.
 */
export function splitCreateBody(decoded: Plain, allocated: ReadonlySet<string>): { body: Plain; legacy: LegacyRoot | undefined } {
  const body: Plain = {};
  const legacyFields: Plain = {};
  for (const key of Object.keys(decoded)) {
    if (key === 'Cpuset') continue;
    if (IS_LEGACY_FIELD.has(key)) {
      legacyFields[key] = decoded[key];
    } else {
      body[key] = decoded[key];
    }
  }
  if (allocated.has('Config') && !CONFIG_FIELDS.some((name) => name in body)) body['Image'] = '';
  const cpuset = typeof decoded['Cpuset'] === 'string' ? decoded['Cpuset'] : undefined;
  const legacy = allocated.has('HostConfig') || 'Cpuset' in decoded ? { hostConfig: legacyFields, allocated: allocated.has('HostConfig'), cpuset } : undefined;
  return { body, legacy };
}

/** Fields getHostConfig copies from the root into a present HostConfig where that leaves them zero. */
const MERGED_WHEN_ZERO = ['Memory', 'MemorySwap', 'CpuShares', 'CpusetCpus', 'VolumeDriver'] as const;

function isZero(value: unknown): boolean {
  return value === undefined || value === 0 || value === '';
}

/**
 * Applies the legacy root-level fields to `body` as an engine that reads them does (`applies`), or drops
 * them as newer engines do, noting each. Returns the body to judge and forward.
 */
export function resolveLegacyRoot(body: Plain, legacy: LegacyRoot, applies: boolean, notes: NormalisationLog): Plain {
  const legacyNames = Object.keys(legacy.hostConfig);
  if (!applies) {
    for (const name of legacyNames) notes.add('legacy-field', name);
    if (legacy.cpuset !== undefined) notes.add('legacy-field', 'Cpuset');
    return body;
  }
  const inner = body['HostConfig'] as Plain | undefined;
  let hc: Plain | undefined;
  if (!legacy.allocated) {
    hc = inner === undefined ? undefined : { ...inner };
  } else if (inner === undefined) {
    hc = { ...legacy.hostConfig };
    for (const name of legacyNames) notes.add('legacy-field', name, `HostConfig.${name}`);
  } else {
    hc = { ...inner };
    for (const name of legacyNames) {
      const merged = (MERGED_WHEN_ZERO as readonly string[]).includes(name) && !isZero(legacy.hostConfig[name]) && isZero(hc[name]);
      if (merged) hc[name] = legacy.hostConfig[name];
      notes.add('legacy-field', name, merged ? `HostConfig.${name}` : undefined);
    }
  }
  if (legacy.cpuset !== undefined) {
    const applied = hc !== undefined && legacy.cpuset !== '' && isZero(hc['CpusetCpus']);
    if (applied) hc!['CpusetCpus'] = legacy.cpuset;
    notes.add('legacy-field', 'Cpuset', applied ? 'HostConfig.CpusetCpus' : undefined);
  }
  const resolved: Plain = { ...body };
  if (hc === undefined) delete resolved['HostConfig'];
  else resolved['HostConfig'] = hc;
  return resolved;
}
