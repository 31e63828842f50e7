// A build query parameter the engine decodes with json.Unmarshal into a map (`buildargs`, `labels`): its
// members in document order (a repeated key is the map's last value), none for an empty parameter or a root
// null; anything but a JSON object the engine refuses, and so does dockgate.
import { GatewayError, isGatewayError } from '../../errors/catalogue.js';
import { JsonObject, readGoJson, type JsonValue } from '../go-json-reader.js';

export function queryJsonMembers(text: string | undefined, parameter: string, fix: string): ReadonlyArray<readonly [string, JsonValue]> {
  if (text === undefined || text === '') return [];
  let value;
  try {
    value = readGoJson(Buffer.from(text, 'utf8')).value;
  } catch (err) {
    if (isGatewayError(err)) throw malformedQueryJson(parameter, `it is not JSON (${err.detail.why})`, fix);
    throw err;
  }
  if (value === null) return [];
  if (!(value instanceof JsonObject)) throw malformedQueryJson(parameter, 'it is not a JSON object', fix);
  return value.members;
}

export function malformedQueryJson(parameter: string, why: string, fix: string): GatewayError {
  return new GatewayError('DG_QUERY_MALFORMED', { what: `query parameter ${parameter}`, why: `${why}, which the engine refuses`, fix });
}
