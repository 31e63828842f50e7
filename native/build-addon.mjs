// The package's install step: builds the peer-credentials addon with node-gyp against the headers of
// the Node that runs the install, so that `npm ci` needs no network beyond the npm registry.
//
// Left alone, node-gyp downloads node-vX-headers.tar.gz from nodejs.org unless the running Node was
// built with `use_prefix_to_find_headers` (Node's own and NodeSource's builds are not). Every Node
// distribution that can build addons ships the same headers next to its binary, in
// <prefix>/include/node (prefix = the directory above bin/node: /usr, /usr/local, ~/.nvm/versions/node/vX),
// so we hand node-gyp that prefix as --nodedir when its node_version.h matches the running Node.
// An explicit `nodedir` from npm config (npm_config_nodedir) wins: the operator chose it.

import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';

/** The version that `<prefix>/include/node/node_version.h` declares, or undefined when it is not there. */
function headerVersion(prefix) {
  let text;
  try {
    text = readFileSync(path.join(prefix, 'include', 'node', 'node_version.h'), 'utf8');
  } catch {
    return undefined;
  }
  const part = (name) => text.match(new RegExp(`#define NODE_${name}_VERSION (\\d+)`))?.[1];
  return `${part('MAJOR')}.${part('MINOR')}.${part('PATCH')}`;
}

const args = ['rebuild'];
if (process.env.npm_config_nodedir) {
  console.log(`dockgate: building the addon against npm's nodedir ${process.env.npm_config_nodedir}`);
} else {
  const prefix = path.resolve(path.dirname(process.execPath), '..');
  if (headerVersion(prefix) === process.versions.node) {
    console.log(`dockgate: building the addon against the local Node headers in ${prefix}/include/node`);
    args.push(`--nodedir=${prefix}`);
  } else {
    console.warn(
      `dockgate: no headers for Node ${process.versions.node} in ${prefix}/include/node; ` +
        'node-gyp will download them (set npm config nodedir to avoid this)',
    );
  }
}

// npm points npm_config_node_gyp at its bundled node-gyp; outside npm, fall back to one on PATH.
const nodeGyp = process.env.npm_config_node_gyp;
const result = nodeGyp
  ? spawnSync(process.execPath, [nodeGyp, ...args], { stdio: 'inherit' })
  : spawnSync('node-gyp', args, { stdio: 'inherit' });
if (result.error) throw result.error;
process.exit(result.status ?? 1);
