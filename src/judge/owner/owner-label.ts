// The label that says which owner an object belongs to, and how it is read and written in the bodies the
// engine creates objects from. Go decodes a `Labels` object into a map whose keys are exact: the body reader
// has already folded the field's own spelling (`labels`, `LABELS`) and resolved repeated keys as Go does, so
// the key is looked for exactly as the engine will store it.
import { isRecord } from '../reach/reach-context.js';

export const OWNER_LABEL = 'dockgate.owner';

/** The owner a labels object (from a body or an engine answer) names; undefined when it names none. */
export function ownerIn(labels: unknown): string | undefined {
  if (!isRecord(labels) || !Object.hasOwn(labels, OWNER_LABEL)) return undefined;
  const value = labels[OWNER_LABEL];
  return typeof value === 'string' ? value : undefined;
}

/** Whether a labels object sets the owner label at all (with any value: only dockgate writes it). */
export function setsOwnerLabel(labels: unknown): boolean {
  return isRecord(labels) && Object.hasOwn(labels, OWNER_LABEL);
}

/** A copy of a create body whose `Labels` carry the owner (the body's other labels kept). */
export function withOwnerLabel<T extends object>(body: T, owner: string): T & { Labels: Record<string, unknown> } {
  const labels = isRecord((body as { Labels?: unknown }).Labels) ? (body as { Labels: Record<string, unknown> }).Labels : {};
  return { ...body, Labels: { ...labels, [OWNER_LABEL]: owner } };
}
