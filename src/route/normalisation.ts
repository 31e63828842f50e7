// What the gateway changed between the request as sent and the canonical request it judged and forwarded:
// a key spelled in another case, an unknown field dropped, a repeated key or query parameter resolved the
// way the engine resolves it. Paths only, never values (values can be secrets); each is recorded in the
// audit trail (`normalised`), and a rule with `bodies: strict` refuses any request that needs one.

export type NormalisationKind =
  /** A key Go matches to a field case-insensitively (or through ſ/K folding): forwarded under the field's exact name. */
  | 'field-name'
  /** A key no field of the engine's type matches: Go ignores it, and it is not forwarded. */
  | 'unknown-field'
  /** A key given more than once in one object: resolved as Go applies repeats (merged or replaced). */
  | 'repeated-key'
  /** A root-level HostConfig field of a container create: moved into HostConfig, or dropped, as the engine reads it. */
  | 'legacy-field'
  /** Bytes that are not UTF-8, or an unpaired surrogate escape, read as U+FFFD as Go reads them. */
  | 'replaced-text'
  /** A fixed-size array (ConsoleSize) with more or fewer elements: cut or zero-filled as Go does. */
  | 'array-length'
  /** `null` as an array element or map value: the element type's zero value, as Go reads it. */
  | 'null-element'
  /** A query parameter given more than once that the engine reads as one value: only the first is forwarded. */
  | 'repeated-parameter'
  /** A body on container start that the engine ignores (7 bytes or fewer): not forwarded. */
  | 'ignored-body';

export interface Normalisation {
  readonly kind: NormalisationKind;
  /** Where: a JSON path (`HostConfig.privileged`) or a query parameter (`?name`), as the client sent it. */
  readonly path: string;
  /** Where it went, for renamed and legacy fields (`HostConfig.Privileged`). */
  readonly to?: string;
}

/** At most this many are kept per request: a hostile body could hold thousands of unknown keys. */
export const MAX_NORMALISATIONS = 32;

/** Collects the normalisations of one request, up to MAX_NORMALISATIONS (the rest are counted). */
export class NormalisationLog {
  readonly entries: Normalisation[] = [];
  /** How many more there were beyond the ones kept. */
  omitted = 0;

  add(kind: NormalisationKind, path: string, to?: string): void {
    if (this.entries.length >= MAX_NORMALISATIONS) {
      this.omitted++;
      return;
    }
    // Paths are built from client keys: bounded, so one note cannot flood a record.
    const shortPath = path.length > 200 ? `${path.slice(0, 197)}...` : path;
    this.entries.push(to === undefined ? { kind, path: shortPath } : { kind, path: shortPath, to });
  }

  get size(): number {
    return this.entries.length + this.omitted;
  }
}

/** One line for a refusal message: what strict reading objects to. */
export function describeNormalisation(n: Normalisation): string {
  switch (n.kind) {
    case 'field-name':
      return `${n.path} is not spelled exactly as the field ${n.to ?? ''} (the engine matches it case-insensitively)`;
    case 'unknown-field':
      return `${n.path} is not a field the engine reads here (it would ignore it)`;
    case 'repeated-key':
      return `${n.path} is given more than once`;
    case 'legacy-field':
      return `${n.path} is a legacy root-level HostConfig field${n.to === undefined ? ' this engine ignores' : ` (read as ${n.to})`}`;
    case 'replaced-text':
      return `${n.path} holds bytes that are not UTF-8 or an unpaired surrogate (read as U+FFFD)`;
    case 'array-length':
      return `${n.path} does not have the array's fixed number of elements`;
    case 'null-element':
      return `${n.path} is null where the engine reads a zero value`;
    case 'repeated-parameter':
      return `${n.path} is given more than once (the engine reads the first)`;
    case 'ignored-body':
      return `${n.path} is a body the engine ignores`;
  }
}
