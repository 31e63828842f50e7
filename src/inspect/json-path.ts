// Where in a JSON body something is, written the way users read Docker's field names:
// `HostConfig.Binds[2]`, `Labels["com.example.key"]`. Every body refusal names one.

/** Object keys (strings) and array indexes (numbers) from the root down. */
export type JsonPath = readonly (string | number)[];

const PLAIN_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function formatJsonPath(path: JsonPath): string {
  if (path.length === 0) return 'the body';
  let text = '';
  for (const segment of path) {
    if (typeof segment === 'number') text += `[${segment}]`;
    else if (PLAIN_KEY.test(segment)) text += text === '' ? segment : `.${segment}`;
    else text += `[${JSON.stringify(segment)}]`;
  }
  return text;
}

/** The path `formatJsonPath` wrote (`HostConfig.Binds[2]`, `Labels["a.b"]`), read back; undefined when it is not one. */
export function parseJsonPath(text: string): JsonPath | undefined {
  const path: (string | number)[] = [];
  const segment = /\.?([A-Za-z_][A-Za-z0-9_]*)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]/y;
  let at = 0;
  while (at < text.length) {
    segment.lastIndex = at;
    const match = segment.exec(text);
    if (match === null || (match[0].startsWith('.') && at === 0)) return undefined;
    path.push(match[1] ?? (match[2] !== undefined ? Number(match[2]) : (JSON.parse(match[3]!) as string)));
    at = segment.lastIndex;
  }
  return path;
}
