// Bodies as the schema reader hands them to the judge: plain objects, arrays and primitives, where a key
// read from JSON may be any string, `__proto__` included.

/** Sets an own property, also for the key `__proto__` (which plain assignment would take as the prototype). */
export function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}

/**
 * A deep copy of a plain value, for a judge that changes the body it forwards (defaults, pinned
 * references) without touching the one it was given. structuredClone took three times as long on a
 * create body, on every judged create.
 */
export function copyPlainValue<T>(value: T): T {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map(copyPlainValue) as T;
  const source = value as Record<string, unknown>;
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(source)) setOwn(copy, key, copyPlainValue(source[key]));
  return copy as T;
}
