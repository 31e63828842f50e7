// `?buildargs` as the engine reads it: json.Unmarshal into map[string]*string. A null value declares the
// argument without a value (the CLI sends it for `--build-arg NAME` when NAME is unset), a repeated key
// keeps the last value, a root null is no arguments; anything else (a number, an array) the engine
// refuses, and so does dockgate.
import { GatewayError, isGatewayError } from '../../errors/catalogue.js';
import { JsonObject, readGoJson } from '../go-json-reader.js';

function malformed(why: string): GatewayError {
  return new GatewayError('DG_QUERY_MALFORMED', {
    what: 'query parameter buildargs',
    why: `${why}, which the engine refuses`,
    fix: 'Send the build arguments as a JSON object of strings, e.g. {"NAME":"value"}',
  });
}

export function readBuildArgs(text: string | undefined): Map<string, string | null> {
  const args = new Map<string, string | null>();
  if (text === undefined || text === '') return args;
  let value;
  try {
    value = readGoJson(Buffer.from(text, 'utf8')).value;
  } catch (err) {
    if (isGatewayError(err)) throw malformed(`it is not JSON (${err.detail.why})`);
    throw err;
  }
  if (value === null) return args;
  if (!(value instanceof JsonObject)) throw malformed('it is not a JSON object');
  for (const [name, arg] of value.members) {
    if (arg !== null && typeof arg !== 'string') throw malformed(`the value of ${JSON.stringify(name)} is not a string or null`);
    args.set(name, arg);
  }
  return args;
}
