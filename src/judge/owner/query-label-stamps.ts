// The owner label where the engine takes an image's labels from the query rather than a body: a build's
// `labels` (a JSON map applied after the Dockerfile by both builders, so it wins over a Dockerfile's LABEL),
// and the `changes` of a commit or an import (Dockerfile instructions the engine joins with newlines and
// applies over the image's configuration, in order, so a LABEL appended last wins). A client may not name
// the key in either; dockgate writes it (docs/owners-design.md, section 4).
import { readBuildLabels } from '../../inspect/build-context/build-labels.js';
import { DockerfileSyntaxError, parseDockerfile, type DockerfileInstruction } from '../../inspect/dockerfile/dockerfile-parser.js';
import { processWord } from '../../inspect/dockerfile/shell-word.js';
import type { Operation } from '../../route/operations.js';
import type { QueryView, ReplacedQuery } from '../../route/query.js';
import { OWNER_LABEL } from './owner-label.js';

/** An image create that imports (moby's postImagesCreate imports whenever `fromImage` is empty) rather than pulls. */
export function isImageImport(operation: Operation, query: QueryView): boolean {
  return operation === 'image.create' && (query.get('fromImage') ?? '') === '';
}

function takesChanges(operation: Operation, query: QueryView): boolean {
  return operation === 'container.commit' || isImageImport(operation, query);
}

/** The engine parses `changes` as a Dockerfile; which parser depends on its version, so both readings are judged. */
const READINGS = [{ heredocs: false }, { heredocs: true }] as const;

interface LabelPair {
  /** The key as the engine expands it; undefined when only the engine's environment decides it (a variable). */
  readonly key: string | undefined;
  readonly value: string | undefined;
}

function expanded(word: string, escape: string): string | undefined {
  const result = processWord(word, escape, () => undefined);
  return result.uncertain || result.unknown.length > 0 ? undefined : result.value;
}

/** The pairs of a LABEL (an ONBUILD trigger's too): name, value and, in newer parsers, the separator. */
function labelPairs(instruction: DockerfileInstruction, escape: string, heredocs: boolean): LabelPair[] {
  if (instruction.trigger !== undefined) return labelPairs(instruction.trigger, escape, heredocs);
  if (instruction.keyword !== 'label') return [];
  const stride = heredocs ? 3 : 2;
  const pairs: LabelPair[] = [];
  for (let i = 0; i + 1 < instruction.args.length; i += stride) pairs.push({ key: expanded(instruction.args[i]!, escape), value: expanded(instruction.args[i + 1]!, escape) });
  return pairs;
}

/** Each reading of changes joined as the engine joins them; a syntax error is the reason none could be made. */
function readChanges(changes: readonly string[]): Array<{ escape: string; labels: LabelPair[][] }> | string {
  const text = changes.join('\n');
  try {
    return READINGS.map((reading) => {
      const parsed = parseDockerfile(text, reading);
      return { escape: parsed.escape, labels: parsed.instructions.map((instruction) => labelPairs(instruction, parsed.escape, reading.heredocs)) };
    });
  } catch (err) {
    if (err instanceof DockerfileSyntaxError) return err.message;
    throw err;
  }
}

/** Where a build, commit or import query sets the owner label itself (`?labels`, `?changes`); undefined when it does not. */
export function queryOwnerLabelField(operation: Operation, query: QueryView): string | undefined {
  if (operation === 'image.build') return readBuildLabels(query.get('labels')).has(OWNER_LABEL) ? `?labels.${OWNER_LABEL}` : undefined;
  if (!takesChanges(operation, query)) return undefined;
  const readings = readChanges(query.all('changes'));
  // Changes the engine cannot parse it refuses; a stamp is only appended to changes that parse (ownerQueryValues).
  if (typeof readings === 'string') return undefined;
  const named = readings.some(({ labels }) => labels.some((pairs) => pairs.some((pair) => pair.key === OWNER_LABEL)));
  return named ? `?changes (LABEL ${OWNER_LABEL})` : undefined;
}

/** `"text"` in a Dockerfile word, with the characters the builder would read otherwise escaped by `escape`. */
function quoted(text: string, escape: string): string {
  let out = '"';
  for (const char of text) out += char === '"' || char === '$' || char === escape ? `${escape}${char}` : char;
  return `${out}"`;
}

/**
 * The query values that stamp `owner` on what the request makes: a build's `labels` with the key set (in
 * canonical JSON), or a commit's or import's `changes` with `LABEL "dockgate.owner"="OWNER"` appended. The
 * appended line is read back by both parsers and must come out as the last instruction, setting exactly
 * that: changes that end in a continuation or change the escape character would otherwise swallow it.
 * Undefined: nothing to stamp; a string: why the changes cannot be stamped (the request is refused).
 */
export function ownerQueryValues(operation: Operation, query: QueryView, owner: string): { field: string; values: ReplacedQuery } | string | undefined {
  if (operation === 'image.build') {
    const labels = readBuildLabels(query.get('labels'));
    labels.set(OWNER_LABEL, owner);
    return { field: `?labels.${OWNER_LABEL}`, values: { labels: JSON.stringify(Object.fromEntries(labels)) } };
  }
  if (!takesChanges(operation, query)) return undefined;
  const changes = query.all('changes');
  const before = readChanges(changes);
  if (typeof before === 'string') return `?changes cannot be read as the engine reads them: ${before}`;
  const escapes = new Set(before.map((reading) => reading.escape));
  if (escapes.size !== 1) return '?changes read differently by the parsers the engine may use (the escape character)';
  const stamped = [...changes, `LABEL ${quoted(OWNER_LABEL, [...escapes][0]!)}=${quoted(owner, [...escapes][0]!)}`];
  const after = readChanges(stamped);
  const stands =
    typeof after !== 'string' &&
    after.every(({ labels }) => {
      const last = labels[labels.length - 1];
      return last?.length === 1 && last[0]!.key === OWNER_LABEL && last[0]!.value === owner;
    });
  if (!stands) return `?changes would swallow the owner's LABEL appended after them (a trailing continuation or an unfinished instruction)`;
  return { field: `?changes (LABEL ${OWNER_LABEL})`, values: { changes: stamped } };
}
