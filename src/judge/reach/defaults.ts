// Defaults a policy sets on container create instead of refusing: labels, no-new-privileges, dropped
// capabilities, limits and a read-only root filesystem. A default fills a field the client left
// unset (the CLI sends zero values for flags not given, so zero counts as unset); labels the policy
// sets win over the client's. Each change is recorded for the audit trail.
import type { ContainerDefaults } from '../container-constraints.js';
import { normaliseCapability } from './capabilities.js';
import type { ContainerCreateBody } from '../../inspect/schemas/container-create.js';
import { setOwn } from '../../inspect/plain-value.js';
import { isRecord, type ReachContext } from './reach-context.js';
import { mentionsNoNewPrivileges } from './security-options.js';

function unset(value: unknown): boolean {
  return value === undefined || value === null || value === 0;
}

function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

/** Applies the defaults to a create body: its root and HostConfig are written, so the caller passes copies of those. */
export function applyCreateDefaults(ctx: ReachContext, body: ContainerCreateBody, defaults: ContainerDefaults): void {
  if (!isRecord(body.HostConfig)) body.HostConfig = {};
  const hostConfig = body.HostConfig;
  const record = (field: string, value: string | number | boolean | string[]): void => {
    ctx.findings.change({ field, value });
  };

  if (defaults.labels && Object.keys(defaults.labels).length > 0) {
    const labels = isRecord(body.Labels) ? { ...body.Labels } : {};
    for (const [key, value] of Object.entries(defaults.labels)) {
      if (labels[key] !== value) {
        setOwn(labels, key, value);
        record(`Labels.${key}`, value);
      }
    }
    body.Labels = labels;
  }
  if (defaults.noNewPrivileges) {
    const options = stringList(hostConfig.SecurityOpt);
    if (!mentionsNoNewPrivileges(options)) {
      hostConfig.SecurityOpt = [...options, 'no-new-privileges=true'];
      record('HostConfig.SecurityOpt', 'no-new-privileges=true');
    }
  }
  if (defaults.capDrop && defaults.capDrop.length > 0) {
    const drop = stringList(hostConfig.CapDrop);
    const have = new Set(drop.map(normaliseCapability));
    const added = defaults.capDrop.filter((cap) => !have.has(normaliseCapability(cap)));
    if (added.length > 0) {
      hostConfig.CapDrop = [...drop, ...added];
      record('HostConfig.CapDrop', [...added]);
    }
  }
  if (defaults.memory !== undefined && unset(hostConfig.Memory)) {
    hostConfig.Memory = defaults.memory;
    record('HostConfig.Memory', defaults.memory);
  }
  if (defaults.pidsLimit !== undefined && unset(hostConfig.PidsLimit)) {
    hostConfig.PidsLimit = defaults.pidsLimit;
    record('HostConfig.PidsLimit', defaults.pidsLimit);
  }
  if (defaults.nanoCpus !== undefined && unset(hostConfig.NanoCpus) && unset(hostConfig.CpuQuota)) {
    hostConfig.NanoCpus = defaults.nanoCpus;
    record('HostConfig.NanoCpus', defaults.nanoCpus);
  }
  if (defaults.readonlyRootfs && hostConfig.ReadonlyRootfs !== true) {
    hostConfig.ReadonlyRootfs = true;
    record('HostConfig.ReadonlyRootfs', true);
  }
}
