// The one shape of every refusal of an inspected JSON body: the field it concerns, why the gateway will
// not read it, and how to fix the request. The message names the JSON path, never the value, because
// values can be secrets (swarm join tokens, secret data, registry credentials in plugin options).
import { GatewayError } from '../errors/catalogue.js';
import { formatJsonPath, type JsonPath } from './json-path.js';

export function bodyRefusal(path: JsonPath, why: string, fix: string): GatewayError {
  return new GatewayError('DG_BODY_MALFORMED', {
    what: path.length === 0 ? 'the request body' : `body field ${formatJsonPath(path)}`,
    why,
    fix,
    ...(path.length > 0 && { field: formatJsonPath(path) }),
  });
}
