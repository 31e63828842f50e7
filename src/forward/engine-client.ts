// Asks the engine about objects a request refers to, for decisions that depend on them
// (an exec into a privileged container, VolumesFrom, a named volume's options, an image's user).
// Small GETs over the same pooled connections as forwarded traffic, with the same head writer and read by
// the same strict reader.
import { GatewayError } from '../errors/catalogue.js';
import { parseApiVersion, type ApiVersion } from '../route/api-version.js';
import { encodePath } from '../route/percent-encoding.js';
import type { ContainerFacts, ExecFacts, ImageFacts, SwarmKind, SwarmObjectFacts, VolumeFacts } from '../judge/engine-lookup.js';
import type { NetworkFacts, ReachEngine } from '../judge/reach/reach-context.js';
import type { ConnectionUser, EngineConnection } from './engine-connections.js';
import type { ResponseHead } from './engine-response-head.js';
import { EngineResponseReader, type ResponseSink } from './engine-response-reader.js';
import { upstreamRequestHead } from './forwarded-headers.js';
import type { Upstream } from './upstream.js';

/** Inspect documents are small; anything larger is not what we asked for. */
const LIMIT = 4 * 1024 * 1024;

/**
 * Told the size of each piece of an answer as it arrives (before it is kept), for the memory budget of
 * the request that asked; it throws the request's refusal when the answer does not fit.
 */
export type AnswerCharge = (bytes: number) => void;

/**
 * What a look-up asks: an object's inspect document (`GET`, parsed as JSON), a swarm object's (the same,
 * but see onComplete), the `DELETE` that undoes a create, or the engine's ping for the admin listener's
 * /ready (only its status is read).
 */
type LookupKind = 'inspect' | 'swarm-inspect' | 'remove' | 'ping';

/** One look-up: the whole answer collected, then read as its kind says. */
class Lookup<T> implements ConnectionUser, ResponseSink {
  private readonly connection: EngineConnection;
  private readonly response = new EngineResponseReader(false, this);
  private readonly chunks: Buffer[] = [];
  private size = 0;
  private status = 0;
  private settled = false;

  constructor(
    private readonly upstream: Upstream,
    private readonly path: string,
    private readonly resolve: (facts: T | undefined) => void,
    private readonly reject: (error: GatewayError) => void,
    private readonly charge: AnswerCharge | undefined,
    private readonly kind: LookupKind = 'inspect',
  ) {
    this.connection = upstream.connections.acquire(this);
    this.connection.socket.write(upstreamRequestHead(this.method, path, {}, 0), 'latin1');
  }

  private get method(): 'GET' | 'DELETE' {
    return this.kind === 'remove' ? 'DELETE' : 'GET';
  }

  onBytes(chunk: Buffer): void {
    try {
      this.response.push(chunk);
    } catch (err) {
      this.connection.discard();
      this.fail((err as Error).message);
    }
  }

  onHead(head: ResponseHead): void {
    this.status = head.status;
  }

  onData(data: Buffer): void {
    this.size += data.length;
    if (this.size > LIMIT) {
      this.connection.discard();
      this.fail('the answer is too large');
      return;
    }
    if (this.charge !== undefined) {
      try {
        this.charge(data.length);
      } catch (err) {
        this.connection.discard();
        this.settle(() => this.reject(err as GatewayError));
        return;
      }
    }
    // Views into the connection's read buffers: copied, since they are kept past this call.
    this.chunks.push(Buffer.from(data));
  }

  onComplete(tail: Buffer | undefined, excess: boolean): void {
    if (tail !== undefined) this.onData(tail);
    if (this.settled) return;
    if (this.response.head!.reusable && !excess) this.connection.release();
    else this.connection.discard();
    if (this.status === 404 && this.kind !== 'ping') return this.settle(() => this.resolve(undefined));
    // The swarm answers an id prefix several objects share with 400 (`config l is ambiguous (2 matches
    // found)`): no single object, and to an owner check saying more would tell that other owners' exist.
    if (this.status === 400 && this.kind === 'swarm-inspect') return this.settle(() => this.resolve(undefined));
    if (this.kind === 'remove' && this.status === 204) return this.settle(() => this.resolve(undefined));
    if (this.status !== 200) return this.fail(`the engine answered ${this.status}`);
    if (this.kind === 'ping') return this.settle(() => this.resolve(undefined));
    let facts: T;
    try {
      facts = JSON.parse(Buffer.concat(this.chunks).toString('utf8')) as T;
    } catch {
      return this.fail('the engine answered with unreadable JSON');
    }
    this.settle(() => this.resolve(facts));
  }

  onClose(error: NodeJS.ErrnoException | undefined): void {
    if (error === undefined && this.response.endsWithClose()) return;
    this.fail(
      error === undefined
        ? `the engine at ${this.upstream.name} closed the connection before answering`
        : `the engine at ${this.upstream.name} is unreachable (${error.code ?? error.message})`,
    );
  }

  private fail(why: string): void {
    this.settle(() =>
      this.reject(
        new GatewayError('DG_UPSTREAM_FAILED', {
          what: `${this.method} ${this.path}`,
          why: this.kind === 'ping' ? why : `dockgate could not look up what the request refers to: ${why}`,
          fix: 'Retry; if it persists, check that the engine is healthy',
        }),
      ),
    );
  }

  private settle(outcome: () => void): void {
    if (this.settled) return;
    this.settled = true;
    outcome();
  }
}

function inspect<T>(upstream: Upstream, path: string, charge?: AnswerCharge, kind: 'inspect' | 'swarm-inspect' = 'inspect'): Promise<T | undefined> {
  return new Promise((resolve, reject) => void new Lookup<T>(upstream, path, resolve, reject, charge, kind));
}

/** Removes a container the gateway must undo (one created from another image than the one judged), with its anonymous volumes. */
export function removeContainer(upstream: Upstream, id: string): Promise<void> {
  const path = `${lookupPath('container', id, false, '/containers/', '')}?force=1&v=1`;
  return new Promise((resolve, reject) => void new Lookup<never>(upstream, path, () => resolve(), reject, undefined, 'remove'));
}

/** Asks the engine `GET /_ping` (the admin listener's /ready); rejects with a GatewayError whose `detail.why` says what failed. */
export function pingEngine(upstream: Upstream): Promise<void> {
  return new Promise((resolve, reject) => void new Lookup<never>(upstream, '/_ping', () => resolve(), reject, undefined, 'ping'));
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

/** How long the engine's API version is trusted before it is asked again (an engine can be upgraded under a running gateway). */
const API_VERSION_TTL_MS = 60_000;

/** The engine's API version from GET /version, asked once a minute at most. */
function engineApiVersion(upstream: Upstream): () => Promise<ApiVersion> {
  let known: { version: ApiVersion; at: number } | undefined;
  return async () => {
    if (known !== undefined && Date.now() - known.at < API_VERSION_TTL_MS) return known.version;
    const answer = await inspect<{ ApiVersion?: unknown }>(upstream, '/version');
    const text = answer?.ApiVersion;
    if (typeof text !== 'string') {
      throw new GatewayError('DG_UPSTREAM_FAILED', {
        what: 'GET /version',
        why: 'the engine did not say which API version it speaks, which decides how this body is read',
        fix: 'Check that the upstream is a Docker engine',
      });
    }
    known = { version: parseApiVersion(text, text), at: Date.now() };
    return known.version;
  };
}

/** Where the engine answers the inspect of each swarm object kind. */
const SWARM_PATHS: Readonly<Record<SwarmKind, string>> = { service: '/services/', task: '/tasks/', secret: '/secrets/', config: '/configs/' };

/** The engine's look-ups, and the same with every answer charged to one request's memory budget. */
export interface EngineLookups extends ReachEngine {
  chargedTo(charge: AnswerCharge): Required<ReachEngine>;
}

export function createEngineLookup(upstream: Upstream): EngineLookups {
  // One API version cache for all: it is the engine's, not a request's (and too small to charge).
  const apiVersion = engineApiVersion(upstream);
  const lookups = (charge?: AnswerCharge): Required<ReachEngine> => ({
    apiVersion,
    container: async (ref) => inspect<ContainerFacts>(upstream, lookupPath('container', ref, false, '/containers/', '/json'), charge),
    volume: async (name) => inspect<VolumeFacts>(upstream, lookupPath('volume', name, false, '/volumes/', ''), charge),
    image: async (ref) => inspect<ImageFacts>(upstream, lookupPath('image', ref, true, '/images/', '/json'), charge),
    exec: async (id) => inspect<ExecFacts>(upstream, lookupPath('exec', id, false, '/exec/', '/json'), charge),
    network: async (ref) => inspect<NetworkFacts>(upstream, lookupPath('network', ref, false, '/networks/', ''), charge),
    swarmObject: async (kind, ref) => inspect<SwarmObjectFacts>(upstream, lookupPath(kind, ref, false, SWARM_PATHS[kind], ''), charge, 'swarm-inspect'),
  });
  return { ...lookups(), chargedTo: lookups };
}
