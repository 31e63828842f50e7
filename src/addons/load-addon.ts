// dockgate's Node-API addons (native/*.c), built by `npm ci` into build/Release/. Each is loaded on first
// use, not at import, so that modules that merely import its users (and gateways that never need it) still
// start when it was not built; the error then says how to build it.
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '../errors/config-error.js';

const requireAddon = createRequire(import.meta.url);

/** A function that loads build/Release/<name>.node once, on its first call, and returns it. */
export function addonLoader<T>(name: string, what: string): () => T {
  // This file runs as src/addons/load-addon.ts (tsx) and as dist/addons/load-addon.js (tsc): both sit
  // two levels below the package root, where node-gyp puts build/.
  const path = fileURLToPath(new URL(`../../build/Release/${name}.node`, import.meta.url));
  let addon: T | undefined;
  return () => {
    if (addon === undefined) {
      try {
        addon = requireAddon(path) as T;
      } catch (error) {
        throw new ConfigError(
          `cannot load the ${what} addon ${path} (${(error as Error).message}); ` + 'build it with `npm rebuild` in the dockgate package (needs make, a C compiler and python3)',
          { cause: error },
        );
      }
    }
    return addon;
  };
}
