// Bodies as the schema reader hands them to the judge: plain objects, arrays and primitives, where a key
// read from JSON may be any string, `__proto__` included.

/** Sets an own property, also for the key `__proto__` (which plain assignment would take as the prototype). */
export function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}
