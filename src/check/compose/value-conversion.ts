// The values Compose 1.29 converts after interpolation (its ConversionMap), by their path in the file:
// `privileged: "yes"` is true, `cpus: "0.5"` a number, a label's value text. Booleans take y/yes/true/on and
// n/no/false/off in any case; integers Python's int() with a base prefix, `0755` octal; anything else is an
// error Compose reports as it converts.
import type { ScalarValue } from './located-yaml.js';
import { parseBytes } from './byte-sizes.js';

type Converter = (value: ScalarValue) => ScalarValue;

function toBoolean(value: ScalarValue): ScalarValue {
  if (typeof value !== 'string') return value;
  const lower = value.toLowerCase();
  if (['y', 'yes', 'true', 'on'].includes(lower)) return true;
  if (['n', 'no', 'false', 'off'].includes(lower)) return false;
  throw new Error(`"${lower}" is not a valid boolean value`);
}

function toInt(value: ScalarValue): ScalarValue {
  if (typeof value !== 'string') return value;
  let text = value.trim().replaceAll('_', '');
  if (/^0[0-9]+$/u.test(text)) text = `0o${text.slice(1)}`;
  const match = /^([+-]?)(0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|[1-9][0-9]*|0+)$/u.exec(text);
  if (match === null) throw new Error(`"${value}" is not a valid integer`);
  const magnitude = Number(match[2]!.replace(/^0+(?=\d)/u, ''));
  return match[1] === '-' ? -magnitude : magnitude;
}

function toFloat(value: ScalarValue): ScalarValue {
  if (typeof value !== 'string') return value;
  const number = Number(value.trim());
  if (value.trim() === '' || Number.isNaN(number)) throw new Error(`"${value}" is not a valid float`);
  return number;
}

function toText(value: ScalarValue): ScalarValue {
  return typeof value === 'number' || typeof value === 'boolean' ? (typeof value === 'boolean' ? (value ? 'True' : 'False') : String(value)) : value;
}

function toBytes(value: ScalarValue): ScalarValue {
  const bytes = parseBytes(value);
  if (bytes === undefined) throw new Error(`"${String(value)}" is not a valid byte value`);
  return bytes;
}

const SEGMENT = '[^/]+';
const ANY = '.+';
const service = (...rest: string[]): RegExp => new RegExp(`^service/${SEGMENT}/${rest.join('/')}$`, 'u');
const section = (kind: string, ...rest: string[]): RegExp => new RegExp(`^${kind}/${SEGMENT}/${rest.join('/')}$`, 'u');

const CONVERSIONS: ReadonlyArray<readonly [RegExp, Converter]> = [
  [service('blkio_config', 'weight'), toInt],
  [service('blkio_config', 'weight_device', 'weight'), toInt],
  [service('build', 'labels', ANY), toText],
  [service('cpus'), toFloat],
  [service('cpu_count'), toInt],
  [service('configs', 'mode'), toInt],
  [service('secrets', 'mode'), toInt],
  [service('healthcheck', 'retries'), toInt],
  [service('healthcheck', 'disable'), toBoolean],
  [service('deploy', 'labels', SEGMENT), toText],
  [service('deploy', 'replicas'), toInt],
  [service('deploy', 'placement', 'max_replicas_per_node'), toInt],
  [service('deploy', 'resources', 'limits', 'cpus'), toFloat],
  [service('deploy', 'restart_policy', 'max_attempts'), toInt],
  [service('mem_swappiness'), toInt],
  [service('labels', ANY), toText],
  [service('oom_kill_disable'), toBoolean],
  [service('oom_score_adj'), toInt],
  [service('ports', 'target'), toInt],
  [service('ports', 'published'), toInt],
  [service('scale'), toInt],
  [service('ulimits', SEGMENT), toInt],
  [service('ulimits', SEGMENT, 'soft'), toInt],
  [service('ulimits', SEGMENT, 'hard'), toInt],
  [service('privileged'), toBoolean],
  [service('read_only'), toBoolean],
  [service('stdin_open'), toBoolean],
  [service('tty'), toBoolean],
  [service('volumes', 'read_only'), toBoolean],
  [service('volumes', 'volume', 'nocopy'), toBoolean],
  [service('volumes', 'tmpfs', 'size'), toBytes],
  [section('network', 'attachable'), toBoolean],
  [section('network', 'external'), toBoolean],
  [section('network', 'internal'), toBoolean],
  [section('network', 'labels', ANY), toText],
  [section('volume', 'external'), toBoolean],
  [section('volume', 'labels', ANY), toText],
];

/** The value at `path` (`service/web/privileged`) as Compose converts it, or why it cannot be. */
export function convertedValue(path: string, value: ScalarValue): { value: ScalarValue; error?: undefined } | { value?: undefined; error: string } {
  const conversion = CONVERSIONS.find(([pattern]) => pattern.test(path));
  if (conversion === undefined) return { value };
  try {
    return { value: conversion[1](value) };
  } catch (err) {
    return { error: (err as Error).message };
  }
}
