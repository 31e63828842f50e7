// Log drivers: the engine, as root on the host, ships the container's output where the driver says
// (syslog, gelf, fluentd, splunk addresses, or a logging plugin). Only the drivers the policy lists,
// or the engine's default, may be chosen.
import { show } from './go-strings.js';
import type { HostConfigBody } from '../../inspect/schemas/host-config.js';
import { readRecord, readString, type ReachContext } from './reach-context.js';

export function judgeLogDriver(ctx: ReachContext, driver: string | undefined, field: string, flag = '--log-driver'): void {
  if (driver === undefined || driver === '') return;
  if (ctx.constraints.logDrivers.includes(driver)) return;
  ctx.deny(
    'logging',
    field,
    `uses the log driver ${show(driver)}, which this policy does not allow (the engine would send logs or connect where it says, as root)`,
    ctx.constraints.logDrivers.length > 0 ? `Use the default or one of: ${ctx.constraints.logDrivers.join(', ')}` : `Remove ${flag}`,
  );
}

/** HostConfig.LogConfig `{Type, Config}`. */
export function judgeLogConfig(ctx: ReachContext, value: HostConfigBody['LogConfig'], field: string): void {
  const config = readRecord(ctx, value, field);
  if (config) judgeLogDriver(ctx, readString(ctx, config.Type, `${field}.Type`), `${field}.Type`);
}
