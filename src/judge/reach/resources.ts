// Resource limits: memory, pids and CPU required (and bounded) where the policy says so, so that a
// container cannot take the host's memory, process table or CPUs. A maximum implies the limit is
// required: an absent limit is unlimited, which is more than any maximum.
import type { ResourceLimit } from '../container-constraints.js';
import { readNumber, type ReachContext } from './reach-context.js';

const DEFAULT_CPU_PERIOD = 100_000;

function needed(limit: ResourceLimit): boolean {
  return limit.required || limit.max !== undefined;
}

export function formatBytes(bytes: number): string {
  for (const [unit, size] of [['GiB', 2 ** 30], ['MiB', 2 ** 20], ['KiB', 2 ** 10]] as const) {
    if (bytes >= size && bytes % size === 0) return `${bytes / size} ${unit}`;
  }
  return `${bytes} bytes`;
}

function formatCpus(nano: number): string {
  return `${nano / 1e9} CPUs`;
}

interface LimitReading {
  /** The effective value; 0 (or undefined) is unlimited. */
  value: number | undefined;
  field: string;
}

function judgeLimit(ctx: ReachContext, limit: ResourceLimit, reading: LimitReading, what: string, format: (n: number) => string, flag: string): void {
  if (!needed(limit)) return;
  const { value, field } = reading;
  if (value === undefined || value <= 0) {
    ctx.deny('resources', field, `sets no ${what} limit, which this policy requires${limit.max !== undefined ? ` (at most ${format(limit.max)})` : ''}`, `Add ${flag}`);
    return;
  }
  if (limit.max !== undefined && value > limit.max) {
    ctx.deny('resources', field, `asks for ${format(value)} of ${what}, more than the ${format(limit.max)} this policy allows`, `Lower ${flag} to at most ${format(limit.max)}`);
  }
}

function cpuValue(ctx: ReachContext, resources: Record<string, unknown>, prefix: string): LimitReading {
  const nano = readNumber(ctx, resources['NanoCpus'], `${prefix}NanoCpus`);
  if (nano !== undefined && nano !== 0) return { value: nano, field: `${prefix}NanoCpus` };
  const quota = readNumber(ctx, resources['CpuQuota'], `${prefix}CpuQuota`);
  if (quota !== undefined && quota > 0) {
    const period = readNumber(ctx, resources['CpuPeriod'], `${prefix}CpuPeriod`) || DEFAULT_CPU_PERIOD;
    return { value: Math.ceil((quota / period) * 1e9), field: `${prefix}CpuQuota` };
  }
  return quota !== undefined && quota < 0 ? { value: -1, field: `${prefix}CpuQuota` } : { value: undefined, field: `${prefix}NanoCpus` };
}

/** Container create: every limit the policy requires must be set and within its maximum. */
export function judgeCreateLimits(ctx: ReachContext, hostConfig: Record<string, unknown>, prefix: string): void {
  const { memory, pids, cpu } = ctx.constraints;
  judgeLimit(ctx, memory, { value: readNumber(ctx, hostConfig['Memory'], `${prefix}Memory`), field: `${prefix}Memory` }, 'memory', formatBytes, '--memory SIZE');
  judgeLimit(ctx, pids, { value: readNumber(ctx, hostConfig['PidsLimit'], `${prefix}PidsLimit`), field: `${prefix}PidsLimit` }, 'process', String, '--pids-limit N');
  judgeLimit(ctx, cpu, cpuValue(ctx, hostConfig, prefix), 'CPU', formatCpus, '--cpus N');
}

/**
 * Container update: zero (and a null PidsLimit) leaves a limit unchanged; a negative value, or 0/-1 for
 * PidsLimit, lifts it; a value above the maximum is refused.
 */
export function judgeUpdateLimits(ctx: ReachContext, body: Record<string, unknown>): void {
  const { memory, pids, cpu } = ctx.constraints;
  const memoryValue = readNumber(ctx, body['Memory'], 'Memory');
  if (memoryValue !== undefined && memoryValue !== 0) judgeLimit(ctx, memory, { value: memoryValue, field: 'Memory' }, 'memory', formatBytes, '--memory SIZE');
  const pidsValue = readNumber(ctx, body['PidsLimit'], 'PidsLimit');
  if (pidsValue !== undefined) judgeLimit(ctx, pids, { value: pidsValue, field: 'PidsLimit' }, 'process', String, '--pids-limit N');
  const nano = readNumber(ctx, body['NanoCpus'], 'NanoCpus');
  const quota = readNumber(ctx, body['CpuQuota'], 'CpuQuota');
  if ((nano !== undefined && nano !== 0) || (quota !== undefined && quota !== 0)) judgeLimit(ctx, cpu, cpuValue(ctx, body, ''), 'CPU', formatCpus, '--cpus N');
}

/** A service's TaskTemplate.Resources.Limits. */
export function judgeServiceLimits(ctx: ReachContext, limits: Record<string, unknown>, prefix: string): void {
  const { memory, pids, cpu } = ctx.constraints;
  judgeLimit(ctx, memory, { value: readNumber(ctx, limits['MemoryBytes'], `${prefix}MemoryBytes`), field: `${prefix}MemoryBytes` }, 'memory', formatBytes, '--limit-memory SIZE');
  judgeLimit(ctx, pids, { value: readNumber(ctx, limits['Pids'], `${prefix}Pids`), field: `${prefix}Pids` }, 'process', String, '--limit-pids N');
  judgeLimit(ctx, cpu, { value: readNumber(ctx, limits['NanoCPUs'], `${prefix}NanoCPUs`), field: `${prefix}NanoCPUs` }, 'CPU', formatCpus, '--limit-cpu N');
}
