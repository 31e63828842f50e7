// The body of POST /containers/create: container.Config at the root, with HostConfig and NetworkingConfig
// beside its fields. Engine 20.10 also reads HostConfig fields at the root (a legacy wrapper that embeds
// HostConfig), and merges some of them into HostConfig even when HostConfig is present; newer engines
// ignore them. Such root-level fields are refused with the place they belong.
import { mapOf, object } from '../body-schema.js';
import { containerConfigFields } from './container-config.js';
import { endpointSettings } from './endpoint-settings.js';
import { hostConfig, hostConfigFields } from './host-config.js';

const legacyRootFields: Record<string, string> = { Cpuset: 'HostConfig.CpusetCpus' };
for (const name of Object.keys(hostConfigFields)) legacyRootFields[name] = `HostConfig.${name}`;

export const containerCreateBody = object(
  {
    ...containerConfigFields,
    HostConfig: hostConfig,
    NetworkingConfig: object({ EndpointsConfig: mapOf(endpointSettings) }),
  },
  { legacy: legacyRootFields },
);
