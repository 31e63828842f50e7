// Resource limits: memory, pids and CPU required (and bounded) where the policy says so, so that a
// container cannot take the host's memory, process table or CPUs. A maximum implies the limit is
// required: an absent limit is unlimited, which is more than any maximum.
import type { ResourceLimit } from '../container-constraints.js';
import type { ContainerUpdateBody } from '../../inspect/schemas/container-update.js';
import type { HostConfigBody } from '../../inspect/schemas/host-config.js';
import type { ServiceLimitsBody } from '../../inspect/schemas/service-spec.js';
import { readNumber, type FieldsOf, type ReachContext } from './reach-context.js';

const DEFAULT_CPU_PERIOD = 100_000;

function needed(limit: ResourceLimit): boolean {
  return limit.required || limit.max !== undefined;
}

export function formatBytes(bytes: number): string {
  for (const [unit, size] of [
    ['GiB', 2 ** 30],
    ['MiB', 2 ** 20],
    ['KiB', 2 ** 10],
  ] as const) {
    if (bytes >= size && bytes % size === 0) return `${bytes / size} ${unit}`;
  }
  return `${bytes} bytes`;
}

/** How each limit is named and its amounts written in a refusal. */
const LIMIT_KINDS = {
  memory: { what: 'memory', amount: (bytes: number) => `${formatBytes(bytes)} of memory` },
  pids: { what: 'process', amount: (n: number) => `${n} processes` },
  cpu: { what: 'CPU', amount: (nano: number) => `${nano / 1e9} CPUs` },
} as const;

interface LimitReading {
  /** The effective value; 0 (or undefined) is unlimited. */
  value: number | undefined;
  field: string;
}

function judgeLimit(ctx: ReachContext, kind: keyof typeof LIMIT_KINDS, reading: LimitReading, flag: string): void {
  const limit = ctx.constraints[kind];
  if (!needed(limit)) return;
  const { what, amount } = LIMIT_KINDS[kind];
  const { value, field } = reading;
  if (value === undefined || value <= 0) {
    ctx.deny('resources', field, `sets no ${what} limit, which this policy requires${limit.max !== undefined ? ` (at most ${amount(limit.max)})` : ''}`, `Add ${flag}`);
    return;
  }
  if (limit.max !== undefined && value > limit.max) {
    ctx.deny('resources', field, `asks for ${amount(value)}, more than the ${amount(limit.max)} this policy allows`, `Lower ${flag} to at most ${amount(limit.max)}`);
  }
}

function cpuValue(ctx: ReachContext, resources: FieldsOf<ContainerUpdateBody>, prefix: string): LimitReading {
  const nano = readNumber(ctx, resources.NanoCpus, `${prefix}NanoCpus`);
  if (nano !== undefined && nano !== 0) return { value: nano, field: `${prefix}NanoCpus` };
  const quota = readNumber(ctx, resources.CpuQuota, `${prefix}CpuQuota`);
  if (quota !== undefined && quota > 0) {
    const period = readNumber(ctx, resources.CpuPeriod, `${prefix}CpuPeriod`) || DEFAULT_CPU_PERIOD;
    return { value: Math.ceil((quota / period) * 1e9), field: `${prefix}CpuQuota` };
  }
  return quota !== undefined && quota < 0 ? { value: -1, field: `${prefix}CpuQuota` } : { value: undefined, field: `${prefix}NanoCpus` };
}

/** Container create: every limit the policy requires must be set and within its maximum. */
export function judgeCreateLimits(ctx: ReachContext, hostConfig: HostConfigBody, prefix: string): void {
  judgeLimit(ctx, 'memory', { value: readNumber(ctx, hostConfig.Memory, `${prefix}Memory`), field: `${prefix}Memory` }, '--memory SIZE');
  judgeLimit(ctx, 'pids', { value: readNumber(ctx, hostConfig.PidsLimit, `${prefix}PidsLimit`), field: `${prefix}PidsLimit` }, '--pids-limit N');
  judgeLimit(ctx, 'cpu', cpuValue(ctx, hostConfig, prefix), '--cpus N');
}

/** The fields of one limit, as the engine's UpdateContainer merges them: a zero (a null PidsLimit) keeps the current value. */
const LIMIT_FIELDS = { memory: ['Memory'], pids: ['PidsLimit'], cpu: ['NanoCpus', 'CpuQuota', 'CpuPeriod'] } as const satisfies Record<string, readonly (keyof ContainerUpdateBody)[]>;

type LimitField = (typeof LIMIT_FIELDS)[keyof typeof LIMIT_FIELDS][number];

function changes(body: ContainerUpdateBody, field: LimitField): boolean {
  const value = body[field];
  return field === 'PidsLimit' ? value !== undefined && value !== null : typeof value === 'number' && value !== 0;
}

/**
 * Container update: the engine merges the update into the container's resources (UpdateContainer), so a
 * limit is judged on the merged result, not on the fields sent: updating only CpuPeriod turns a judged
 * quota into another number of CPUs. Each limit the update touches is judged merged (a negative value, or
 * 0/-1 for PidsLimit, lifts it; above the maximum is refused). Where the policy bounds a limit, the update
 * forwarded carries every field of it as judged (CpuQuota with CpuPeriod), so two updates racing cannot
 * combine into a state neither was judged on. Returns the fields completed from the current state.
 * Without the current state (no such container: the engine answers 404) the update is judged alone.
 */
export function judgeUpdateLimits(ctx: ReachContext, body: ContainerUpdateBody, current: FieldsOf<ContainerUpdateBody> | undefined): Record<string, number> {
  const completed: Record<string, number> = {};
  const merged: { -readonly [Name in keyof ContainerUpdateBody]?: unknown } = { ...current };
  for (const fields of Object.values(LIMIT_FIELDS)) for (const field of fields) if (changes(body, field)) merged[field] = body[field];
  const touches = (limit: keyof typeof LIMIT_FIELDS): boolean => LIMIT_FIELDS[limit].some((field) => changes(body, field));
  if (touches('memory')) judgeLimit(ctx, 'memory', { value: readNumber(ctx, merged.Memory, 'Memory'), field: 'Memory' }, '--memory SIZE');
  if (touches('pids')) judgeLimit(ctx, 'pids', { value: readNumber(ctx, merged.PidsLimit, 'PidsLimit') ?? 0, field: 'PidsLimit' }, '--pids-limit N');
  if (touches('cpu')) {
    judgeLimit(ctx, 'cpu', cpuValue(ctx, merged, ''), '--cpus N');
    // A quota is a number of CPUs only with its period: both go to the engine as judged.
    if (needed(ctx.constraints.cpu) && current !== undefined && !changes(body, 'NanoCpus')) {
      for (const field of ['CpuQuota', 'CpuPeriod'] as const) {
        if (changes(body, field)) continue;
        const value = readNumber(ctx, current[field], field) ?? 0;
        completed[field] = field === 'CpuPeriod' && value === 0 ? DEFAULT_CPU_PERIOD : value;
      }
    }
  }
  return completed;
}

/** A service's TaskTemplate.Resources.Limits. */
export function judgeServiceLimits(ctx: ReachContext, limits: ServiceLimitsBody, prefix: string): void {
  judgeLimit(ctx, 'memory', { value: readNumber(ctx, limits.MemoryBytes, `${prefix}MemoryBytes`), field: `${prefix}MemoryBytes` }, '--limit-memory SIZE');
  judgeLimit(ctx, 'pids', { value: readNumber(ctx, limits.Pids, `${prefix}Pids`), field: `${prefix}Pids` }, '--limit-pids N');
  judgeLimit(ctx, 'cpu', { value: readNumber(ctx, limits.NanoCPUs, `${prefix}NanoCPUs`), field: `${prefix}NanoCPUs` }, '--limit-cpu N');
}
