// Refuses form-encoded and multipart bodies on every route. dockerd reads parameters with Go's
// r.FormValue, which parses such bodies and lets their values win over the query string's:
// `POST /containers/c/rename?name=a` with the body `name=b` renames to `b`. No Engine API endpoint
// takes a form, so a form body can only be an attempt to say something other than what was judged.
import { GatewayError } from '../errors/catalogue.js';

const FORM_TYPES = new Set(['application/x-www-form-urlencoded', 'multipart/form-data']);

/**
 * The media type as Go's mime.ParseMediaType reads it: before any `;`, trimmed, lower-cased. Alike for the
 * visible ASCII that engine-headers.ts lets through; Go's Unicode case mapping would differ beyond it.
 */
export function mediaType(contentType: string): string {
  const semicolon = contentType.indexOf(';');
  return (semicolon === -1 ? contentType : contentType.slice(0, semicolon)).trim().toLowerCase();
}

export function refuseFormBodies(method: string, path: string, contentType: string | undefined): void {
  if (contentType === undefined || !FORM_TYPES.has(mediaType(contentType))) return;
  throw new GatewayError('DG_BODY_MALFORMED', {
    what: `${method} ${path} with Content-Type ${mediaType(contentType)}`,
    why: 'the engine would read parameters from a form body ahead of the query string the gateway judged',
    fix: 'Send parameters in the query string, and bodies as JSON or tar as the Engine API documents',
  });
}
