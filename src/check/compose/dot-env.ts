// The `.env` file beside the first compose file, read as Compose 1.29 reads it (python-dotenv: `KEY=VALUE`
// lines, `export` prefixes, quotes, `#` comments; `${VAR}` and `${VAR:-default}` in a value taken from the
// values before it, else from the environment), then overridden by the environment itself: the variables a
// project is interpolated with.
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseEnv } from 'node:util';
import { ConfigError } from '../../errors/config-error.js';
import type { Variables } from './interpolation.js';

const DOTENV_VARIABLE = /\$\{([^}:]*)(?::-([^}]*))?\}/gu;

/** The variables of an env file's text, each value's `${VAR}` resolved as python-dotenv resolves it. */
export function parseDotEnv(text: string, environment: Variables): Record<string, string> {
  const parsed = parseEnv(text.replace(/^\uFEFF/u, ''));
  const values: Record<string, string> = {};
  for (const [key, raw] of Object.entries(parsed)) {
    values[key] = (raw ?? '').replace(DOTENV_VARIABLE, (_match, name: string, fallback: string | undefined) => {
      const value = Object.hasOwn(values, name) ? values[name] : environment[name];
      return value !== undefined && value !== '' ? value : (fallback ?? '');
    });
  }
  return values;
}

/** The project's variables: `.env` in `directory` (when it is a file), the environment over it. */
export function projectVariables(directory: string, environment: Variables): Variables {
  const file = join(directory, '.env');
  let text: string | undefined;
  try {
    if (statSync(file).isFile()) text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new ConfigError(`${file}: ${(err as Error).message}`);
  }
  return { ...(text === undefined ? {} : parseDotEnv(text, environment)), ...environment };
}
