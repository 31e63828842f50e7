// Reads Node's `subjectaltname` text (`DNS:a, IP Address:127.0.0.1, URI:"x\u002c y"`) into a list of
// `DNS:a`, `IP:127.0.0.1`, `URI:x, y`. Node quotes (JSON-style) any value holding a separator, so a
// plain split on ", " would let a crafted certificate smuggle a second name into the identity.

const TYPE_NAMES: Readonly<Record<string, string>> = { 'IP Address': 'IP' };

export function parseSubjectAltNames(text: string | undefined): string[] {
  if (!text) return [];
  const names: string[] = [];
  let i = 0;
  while (i < text.length) {
    const colon = text.indexOf(':', i);
    if (colon === -1) throw new Error(`unreadable subjectAltName list: ${JSON.stringify(text)}`);
    const type = text.slice(i, colon);
    let value: string;
    let end: number;
    if (text[colon + 1] === '"') {
      end = closingQuote(text, colon + 2);
      value = JSON.parse(text.slice(colon + 1, end + 1)) as string;
      end += 1;
    } else {
      const separator = text.indexOf(', ', colon + 1);
      end = separator === -1 ? text.length : separator;
      value = text.slice(colon + 1, end);
    }
    names.push(`${TYPE_NAMES[type] ?? type}:${value}`);
    if (end < text.length && !text.startsWith(', ', end)) throw new Error(`unreadable subjectAltName list: ${JSON.stringify(text)}`);
    i = end + 2;
  }
  return names;
}

function closingQuote(text: string, from: number): number {
  for (let i = from; i < text.length; i++) {
    if (text[i] === '\\') i++;
    else if (text[i] === '"') return i;
  }
  throw new Error(`unreadable subjectAltName list: ${JSON.stringify(text)}`);
}
