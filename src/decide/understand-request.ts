// The first step of deciding a request, for the gateway and the library `judge()` alike: the request read
// as the engine reads it (target and version, route, repeated query parameters, the headers the engine
// reads, no form bodies), and how its body is to be held while it is judged. Throws a GatewayError for
// anything that has no single reading.
import { GatewayError } from '../errors/catalogue.js';
import { INSPECTED_OPERATIONS } from '../inspect/inspect-body.js';
import { bodyIsBuildContext } from '../inspect/build-context/read-build-context.js';
import { readEngineHeaders, type EngineHeaders } from '../route/engine-headers.js';
import { refuseFormBodies } from '../route/form-bodies.js';
import { NormalisationLog } from '../route/normalisation.js';
import { resolveRepeatedParameters } from '../route/repeated-parameters.js';
import { parseRequestTarget, type RequestTarget } from '../route/request-target.js';
import type { Route } from '../route/route.js';
import { classifyRoute } from '../route/route-table.js';

/** A request's head as it arrived: the method, the raw request target, the raw header lines (name, value, ...). */
export interface RequestHead {
  readonly method: string;
  readonly target: string;
  readonly rawHeaders: readonly string[];
}

/**
 * How the body is held while the request is judged:
 * - `streamed`: not read before the decision, forwarded as it arrives (uploads, imports, pushes);
 * - `json`: read whole and decoded as the engine decodes it; the canonical serialisation is forwarded;
 * - `build-context`: a build's context, held on disk while its Dockerfile is read and judged;
 * - `held`: read whole (a hijack's small body), judged without it, forwarded as received.
 */
export type BodyHolding = 'streamed' | 'json' | 'build-context' | 'held';

export interface UnderstoodRequest {
  readonly method: string;
  readonly target: RequestTarget;
  readonly route: Route;
  /** The headers the engine reads, as judged (and as forwarded). */
  readonly headers: EngineHeaders;
  /** Where the canonical request differs from the one sent (query repeats now, body spellings later). */
  readonly normalised: NormalisationLog;
  readonly body: BodyHolding;
}

export function understandRequest(head: RequestHead, minApiVersion: readonly number[]): UnderstoodRequest {
  const target = parseRequestTarget(head.target, minApiVersion);
  const route = classifyRoute(head.method, target);
  if (route === undefined) {
    throw new GatewayError('DG_ROUTE_UNKNOWN', {
      what: `${head.method} ${target.path}`,
      why: 'this is not an operation of the Docker Engine API that dockgate knows',
      fix: 'Check the path and method; if a newer engine added it, dockgate needs updating before it will forward it',
    });
  }
  const normalised = new NormalisationLog();
  resolveRepeatedParameters(route, target.query, normalised);
  const headers = readEngineHeaders(head.rawHeaders);
  refuseFormBodies(head.method, target.path, headers['content-type']);
  return { method: head.method, target, route, headers, normalised, body: bodyHolding(route, target) };
}

function bodyHolding(route: Route, target: RequestTarget): BodyHolding {
  if (route.operation === 'image.build' && bodyIsBuildContext(target.query)) return 'build-context';
  if (INSPECTED_OPERATIONS.has(route.operation)) return 'json';
  return route.transport === 'hijack' ? 'held' : 'streamed';
}
