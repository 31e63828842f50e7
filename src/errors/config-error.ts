// Mistakes of the operator's, as against bugs: a bad flag, a file that cannot be read or is not what it
// should be, a policy file that does not load, a listener that cannot be bound. The command line prints a
// ConfigError as its message alone, one line (principle 7); anything else that stops a command is a bug,
// printed with its stack so that it can be reported and found.
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/**
 * What a loader of the operator's input threw, as a ConfigError. Loaders in other layers (listener specs,
 * the upstream URL, policy files, TLS material, listeners bound at start-up, the certificate authority's
 * files) throw plain Errors or classes of their own for what the operator got wrong; the command that
 * handed them the operator's input knows that is what went wrong. The built-in types that mean a
 * programming error (TypeError, RangeError, ReferenceError, SyntaxError) stay what they are, so a bug in
 * a loader is still printed with its stack. Anything that is not an Error is left alone too.
 */
export function asConfigError(err: unknown): unknown {
  if (!(err instanceof Error) || err instanceof ConfigError) return err;
  if (err instanceof TypeError || err instanceof RangeError || err instanceof ReferenceError || err instanceof SyntaxError) return err;
  return new ConfigError(err.message, { cause: err });
}

/** Runs a loader of the operator's input; what it throws comes out as a ConfigError (see asConfigError). */
export async function loadingConfig<T>(load: () => T | Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (err) {
    throw asConfigError(err);
  }
}

/** A reader of one piece of the operator's input (an option's argument parser) whose failures come out as ConfigErrors. */
export function readingConfig<A extends unknown[], T>(read: (...args: A) => T): (...args: A) => T {
  return (...args) => {
    try {
      return read(...args);
    } catch (err) {
      throw asConfigError(err);
    }
  };
}
