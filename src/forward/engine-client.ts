// Asks the engine about objects a request refers to, for decisions that depend on them
// (an exec into a privileged container, VolumesFrom, a named volume's options, an image's user).
// Small GETs over the same pooled connections as forwarded traffic.
import http from 'node:http';
import { GatewayError } from '../errors/catalogue.js';
import { encodePath } from '../route/percent-encoding.js';
import type { ContainerFacts, ExecFacts, ImageFacts, VolumeFacts } from '../judge/engine-lookup.js';
import type { NetworkFacts, ReachEngine } from '../judge/reach/reach-context.js';
import type { Upstream } from './upstream.js';

/** Inspect documents are small; anything larger is not what we asked for. */
const LIMIT = 4 * 1024 * 1024;

function inspect<T>(upstream: Upstream, path: string): Promise<T | undefined> {
  return new Promise((resolve, reject) => {
    const fail = (why: string): void =>
      reject(
        new GatewayError('DG_UPSTREAM_FAILED', {
          what: `GET ${path}`,
          why: `dockgate could not look up what the request refers to: ${why}`,
          fix: 'Retry; if it persists, check that the engine is healthy',
        }),
      );
    const req = http.request({ agent: upstream.agent, socketPath: upstream.socketPath, method: 'GET', path }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > LIMIT) res.destroy(new Error('the answer is too large'));
        else chunks.push(chunk);
      });
      res.on('error', (err) => fail(err.message));
      res.on('end', () => {
        if (res.statusCode === 404) return resolve(undefined);
        if (res.statusCode !== 200) return fail(`the engine answered ${res.statusCode}`);
        try {
          resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')) as T);
        } catch {
          fail('the engine answered with unreadable JSON');
        }
      });
    });
    req.on('error', (err: NodeJS.ErrnoException) => fail(`the engine at ${upstream.name} is unreachable (${err.code ?? err.message})`));
    req.end();
  });
}

/**
 * The engine routes on the decoded path, so a reference is looked up only when it names one object
 * unambiguously: no empty or dot segments, and no `/` at all except in image references.
 */
function lookupPath(kind: string, ref: string, slashAllowed: boolean, prefix: string, suffix: string): string {
  const segments = ref.split('/');
  if (ref === '' || (!slashAllowed && segments.length > 1) || segments.some((s) => s === '' || s === '.' || s === '..')) {
    throw new GatewayError('DG_BODY_MALFORMED', {
      what: `${kind} reference ${JSON.stringify(ref.slice(0, 200))}`,
      why: `it does not name a ${kind} the engine could look up unambiguously`,
      fix: `Name the ${kind} by its name or id`,
    });
  }
  return `${prefix}${encodePath(ref)}${suffix}`;
}

export function createEngineLookup(upstream: Upstream): ReachEngine {
  return {
    container: async (ref) => inspect<ContainerFacts>(upstream, lookupPath('container', ref, false, '/containers/', '/json')),
    volume: async (name) => inspect<VolumeFacts>(upstream, lookupPath('volume', name, false, '/volumes/', '')),
    image: async (ref) => inspect<ImageFacts>(upstream, lookupPath('image', ref, true, '/images/', '/json')),
    exec: async (id) => inspect<ExecFacts>(upstream, lookupPath('exec', id, false, '/exec/', '/json')),
    network: async (ref) => inspect<NetworkFacts>(upstream, lookupPath('network', ref, false, '/networks/', '')),
  };
}
