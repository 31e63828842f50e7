// Refuses requests a web browser could have sent, on the plain-HTTP listeners (`--insecure-listen-loopback`,
// and `--insecure-listen` on a container network, whose Host rule is host-names.ts): with no authentication there, any page the user opens could otherwise
// drive the engine: a cross-site `fetch` or form post to http://127.0.0.1:2375, or DNS rebinding (a name
// the attacker controls, re-pointed at 127.0.0.1, so that the page is "same-origin" with the API).
//
// What a browser cannot avoid sending, and the docker CLI and SDKs never send:
//  - an `Origin` header: browsers add one to every cross-origin request and to every POST;
//  - `Sec-Fetch-Site` other than `none` (`none` is a user typing the URL): set by browsers on every request;
//  - a `Host` that is not one of the listener's own names: after DNS rebinding it is the attacker's name;
//  - a CORS-simple body type (`application/x-www-form-urlencoded`, `multipart/form-data`, `text/plain`):
//    the only types a page can POST cross-site without a preflight, so the ones an attack would use.
//    The docker CLI sends `text/plain` on attach, but always with `Upgrade: tcp`, a header no page can set
//    (fetch forbids it; a WebSocket sends `Upgrade: websocket`, and an Origin): such a request passes.
// Called by the gateway's pipeline first, for this listener's requests only.
import type { IncomingMessage } from 'node:http';
import { GatewayError } from '../errors/catalogue.js';
import { mediaType } from '../route/form-bodies.js';
import { exactHostNames, type HostNames } from './host-names.js';

/** A check run on each request of one listener before anything else; throws a GatewayError to refuse it. */
export type RequestGuard = (req: IncomingMessage) => void;

const SIMPLE_TYPES = new Set(['application/x-www-form-urlencoded', 'multipart/form-data', 'text/plain']);

/** How many times a header appears in the raw request (Node keeps only the first Host). */
export function occurrences(req: IncomingMessage, name: string): number {
  let count = 0;
  for (let i = 0; i < req.rawHeaders.length; i += 2) if (req.rawHeaders[i]!.toLowerCase() === name) count++;
  return count;
}

/**
 * The guard of a plain-HTTP listener: `hosts` are the Host values it answers to (a list of lower case
 * `name:port`, or a rule), `listener` its name for messages.
 */
export function browserRequestGuard(listener: string, hosts: readonly string[] | HostNames): RequestGuard {
  const allowed = Array.isArray(hosts) ? exactHostNames(hosts as readonly string[]) : (hosts as HostNames);
  const fixSuffix = 'Browsers may not reach the Docker API: use the docker CLI or an SDK, which send none of this';
  return (req) => {
    const what = `${req.method ?? 'GET'} request on ${listener}`;
    if (req.headers.origin !== undefined) {
      throw new GatewayError('DG_BROWSER_ORIGIN', {
        what,
        why: 'it carries an Origin header, which web browsers add to cross-origin requests and posts; a web page must not reach the engine',
        fix: `${fixSuffix} (no Origin header)`,
      });
    }
    const site = req.headers['sec-fetch-site'];
    if (site !== undefined && site !== 'none') {
      throw new GatewayError('DG_BROWSER_FETCH_SITE', {
        what,
        why: `it carries Sec-Fetch-Site other than none, which only a web browser sends for a request a page made`,
        fix: fixSuffix,
      });
    }
    const host = req.headers.host;
    if (host === undefined || occurrences(req, 'host') !== 1 || !allowed.accepts(host.toLowerCase())) {
      throw new GatewayError('DG_BROWSER_HOST', {
        what,
        why: `its Host is ${host === undefined ? 'missing' : occurrences(req, 'host') !== 1 ? 'given more than once' : 'not one of the names of this listener'} (accepted: ${allowed.accepted}); a page that re-pointed its own name at this address (DNS rebinding) sends its name`,
        fix: `Connect with DOCKER_HOST=tcp://${allowed.example}, or add the name clients use to the listener's hosts= list`,
      });
    }
    const contentType = req.headers['content-type'];
    if (contentType !== undefined && SIMPLE_TYPES.has(mediaType(contentType)) && req.headers.upgrade?.toLowerCase() !== 'tcp') {
      throw new GatewayError('DG_BROWSER_CONTENT_TYPE', {
        what: `${what} with Content-Type ${mediaType(contentType)}`,
        why: 'a web page can send this content type to any address without asking first (no CORS preflight), and no Engine API request needs it',
        fix: 'Send JSON bodies as application/json and archives as application/x-tar, as the docker CLI does',
      });
    }
  };
}
