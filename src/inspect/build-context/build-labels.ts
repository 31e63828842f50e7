// `?labels` of a build as the engine reads it: json.Unmarshal into map[string]string, applied to the built
// image after the Dockerfile by both builders (so its keys win over the Dockerfile's LABEL). A repeated key
// keeps the last value, a null value is the empty string, a root null is no labels; anything else (a number,
// an array) the engine refuses, and so does dockgate.
import { malformedQueryJson, queryJsonMembers } from './query-json-object.js';

const FIX = 'Send the labels as a JSON object of strings, e.g. {"NAME":"value"}';

export function readBuildLabels(text: string | undefined): Map<string, string> {
  const labels = new Map<string, string>();
  for (const [name, label] of queryJsonMembers(text, 'labels', FIX)) {
    if (label !== null && typeof label !== 'string') throw malformedQueryJson('labels', `the value of ${JSON.stringify(name)} is not a string`, FIX);
    labels.set(name, label ?? '');
  }
  return labels;
}
