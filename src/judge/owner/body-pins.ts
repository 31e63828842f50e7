// References inside a forwarded body replaced by the full id the owner check looked at (the network
// connect's `Container`, a create's `HostConfig.Links`): the engine would resolve a name again when the
// request reaches it, to whatever holds the name by then.
import { isRecord } from '../reach/reach-context.js';

export interface BodyPin {
  /** Where in the body, field by field (`['HostConfig', 'Links']`). */
  readonly path: readonly [string, ...string[]];
  readonly value: string | readonly string[];
}

/** The field as a change record names it: `HostConfig.Links`. */
export function pinnedField(pin: BodyPin): string {
  return pin.path.join('.');
}

function withValue(body: Record<string, unknown>, [field, ...rest]: readonly [string, ...string[]], value: BodyPin['value']): Record<string, unknown> {
  const inner = body[field];
  return { ...body, [field]: rest.length === 0 ? value : withValue(isRecord(inner) ? inner : {}, rest as [string, ...string[]], value) };
}

/** A copy of the body with each pinned value in place (the objects on the way copied, the rest shared). */
export function withBodyPins(body: Record<string, unknown>, pins: readonly BodyPin[]): Record<string, unknown> {
  return pins.reduce((pinned, pin) => withValue(pinned, pin.path, pin.value), body);
}
