// `?labels` of a build as the engine reads it: json.Unmarshal into map[string]string, applied to the built
// image after the Dockerfile by both builders (so its keys win over the Dockerfile's LABEL). A repeated key
// keeps the last value, a null value is the empty string, a root null is no labels; anything else (a number,
// an array) the engine refuses, and so does dockgate.
import { GatewayError, isGatewayError } from '../../errors/catalogue.js';
import { JsonObject, readGoJson } from '../go-json-reader.js';

function malformed(why: string): GatewayError {
  return new GatewayError('DG_QUERY_MALFORMED', {
    what: 'query parameter labels',
    why: `${why}, which the engine refuses`,
    fix: 'Send the labels as a JSON object of strings, e.g. {"NAME":"value"}',
  });
}

export function readBuildLabels(text: string | undefined): Map<string, string> {
  const labels = new Map<string, string>();
  if (text === undefined || text === '') return labels;
  let value;
  try {
    value = readGoJson(Buffer.from(text, 'utf8')).value;
  } catch (err) {
    if (isGatewayError(err)) throw malformed(`it is not JSON (${err.detail.why})`);
    throw err;
  }
  if (value === null) return labels;
  if (!(value instanceof JsonObject)) throw malformed('it is not a JSON object');
  for (const [name, label] of value.members) {
    if (label !== null && typeof label !== 'string') throw malformed(`the value of ${JSON.stringify(name)} is not a string`);
    labels.set(name, label ?? '');
  }
  return labels;
}
