// `?buildargs` as the engine reads it: json.Unmarshal into map[string]*string. A null value declares the
// argument without a value (the CLI sends it for `--build-arg NAME` when NAME is unset), a repeated key
// keeps the last value, a root null is no arguments; anything else (a number, an array) the engine
// refuses, and so does dockgate.
import { malformedQueryJson, queryJsonMembers } from './query-json-object.js';

const FIX = 'Send the build arguments as a JSON object of strings, e.g. {"NAME":"value"}';

export function readBuildArgs(text: string | undefined): Map<string, string | null> {
  const args = new Map<string, string | null>();
  for (const [name, arg] of queryJsonMembers(text, 'buildargs', FIX)) {
    if (arg !== null && typeof arg !== 'string') throw malformedQueryJson('buildargs', `the value of ${JSON.stringify(name)} is not a string or null`, FIX);
    args.set(name, arg);
  }
  return args;
}
