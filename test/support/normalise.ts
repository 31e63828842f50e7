// What legitimately differs between runs of the same workflow, replaced by placeholders so that the
// rest of the output can be compared byte for byte. Nothing else is normalised.

const HEX_ID = /\b(?:sha256:)?(?:[0-9a-f]{64}|[0-9a-f]{12})\b/g;

/**
 * Engine-made identifiers (container, image, network, exec ids, full or short, with or without `sha256:`)
 * differ on every run. Each distinct id becomes `<id1>`, `<id2>`, ... in order of first appearance, so an id
 * that recurs still shows as the same one. A short id is taken as the same object as the full id it starts.
 */
export function normaliseIds(text: string): string {
  const seen: string[] = [];
  return text.replace(HEX_ID, (match) => {
    const id = match.replace(/^sha256:/, '');
    let index = seen.findIndex((known) => known.startsWith(id) || id.startsWith(known));
    if (index === -1) index = seen.push(id) - 1;
    else if (id.length > (seen[index]?.length ?? 0)) seen[index] = id;
    return `${match.startsWith('sha256:') ? 'sha256:' : ''}<id${index + 1}>`;
  });
}

const AGE = /\b(?:Less than a second|About an? (?:minute|hour)|\d+ (?:second|minute|hour|day|week|month|year)s?)\b/gi;

/**
 * Relative times ('3 seconds ago', 'Up About a minute') depend on when the command ran. They become `<age>`;
 * and since their width sets the width of table columns, runs of two or more spaces become two.
 */
export function normaliseAges(text: string): string {
  return text
    .replace(AGE, '<age>')
    .split('\n')
    .map((line) => line.replace(/ {2,}/g, '  ').trimEnd())
    .join('\n');
}

/**
 * Progress lines ('Sending build context to Docker daemon  20.97MB') are redrawn with \r as a transfer
 * advances, as many times as timing has it. Each line becomes what a terminal would finally show.
 */
export function normaliseProgress(text: string): string {
  return text
    .split('\n')
    .map(
      (line) =>
        line
          .split('\r')
          .filter((state) => state !== '')
          .at(-1) ?? '',
    )
    .join('\n');
}
