// Durations as Compose 1.29 reads them (its timeparse, after Go's ParseDuration): `1h2m3s`, `1m30s`,
// `500ms`, `10us`, `5ns`, parts in that order, each digits with an optional fraction, any case; summed in
// seconds with Compose's float arithmetic, so that nanoseconds come out as Compose computes them.
const DURATION = /^\s*(?:([\d.]+)h)?(?:([\d.]+)m)?(?:([\d.]+)s)?(?:([\d.]+)ms)?(?:([\d.]+)(?:us|µs))?(?:([\d.]+)ns)?\s*$/iu;

const NANO = 1.0 / 1000.0 / 1000.0 / 1000.0;
const MULTIPLIERS = [60 * 60, 60, 1, 1.0 / 1000, 1.0 / 1000.0 / 1000, NANO];

/** The duration in seconds, or undefined where Compose reads none. */
export function durationSeconds(text: string): number | undefined {
  const match = DURATION.exec(text);
  if (match === null || match[0].trim() === '') return undefined;
  let sum = 0;
  for (let i = 0; i < MULTIPLIERS.length; i++) {
    const part = match[i + 1];
    if (part === undefined) continue;
    const value = Number(part);
    if (Number.isNaN(value)) return undefined;
    sum += MULTIPLIERS[i]! * value;
  }
  return sum;
}

/** The duration in whole nanoseconds, as Compose's nanoseconds_from_time_seconds truncates it. */
export function durationNanoseconds(text: string): number | undefined {
  const seconds = durationSeconds(text);
  return seconds === undefined ? undefined : Math.trunc(seconds / NANO);
}
