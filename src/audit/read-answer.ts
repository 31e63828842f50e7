// An answer of the engine being audited, read by the types the audit relies on. That engine may be broken
// or hostile, so nothing in an answer is taken on trust: a value of another type than its schema says is
// left out (read as absent, as if the engine had not sent it) and named, so that one bad field costs the
// checks that read it, never the report. The schemas are written in the gateway's body-schema language
// (src/inspect/body-schema.ts), the engine's own Go types. Unlike a request, an answer is not judged for
// ambiguity: unknown keys are ignored, null is absent, a repeated key is the one JSON.parse kept, and map
// keys are taken as they come.
import { describeSchema, type BodySchema } from '../inspect/body-schema.js';
import { setOwn } from '../inspect/plain-value.js';

/** How many bad values an answer's description names; the rest are counted. */
const NAMED_PROBLEMS = 5;
/** A map key longer than this (keys come from whoever created the object) is shortened in a path. */
const KEY_SHOWN = 64;

/** The values of one answer that were not of their type, by where they are. */
export class AnswerProblems {
  readonly named: string[] = [];
  count = 0;

  add(path: string, why: string): void {
    this.count++;
    if (this.named.length < NAMED_PROBLEMS) this.named.push(`${path === '' ? 'the answer' : path}: ${why}`);
  }

  /** `Warnings[2]: expected a string, found a number; ...; and 3 more`. */
  describe(): string {
    const more = this.count - this.named.length;
    return `${this.named.join('; ')}${more > 0 ? `; and ${more} more` : ''}`;
  }
}

function found(value: unknown): string {
  if (typeof value === 'string') return 'a string';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') return Number.isInteger(value) ? `the number ${value}` : 'a fraction';
  if (Array.isArray(value)) return 'a list';
  return 'an object';
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function keyPath(path: string, key: string): string {
  const shown = key.length > KEY_SHOWN ? `${key.slice(0, KEY_SHOWN)}…` : key;
  return `${path}[${JSON.stringify(shown)}]`;
}

function fits(value: unknown, schema: BodySchema): boolean {
  switch (schema.kind) {
    case 'string':
      return typeof value === 'string';
    case 'bool':
      return typeof value === 'boolean';
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value) && (value >= 0 || !schema.type.startsWith('u'));
    case 'float':
      return typeof value === 'number';
    case 'strSlice':
    case 'array':
      return Array.isArray(value);
    case 'map':
    case 'object':
      return isObject(value);
  }
}

/**
 * `value` (parsed JSON) as `schema` describes it, without the values of another type, which are noted in
 * `problems` under their path (`HostConfig.CapAdd[2]`); undefined for null, absent, or a value of the wrong type.
 */
export function readAnswer(value: unknown, schema: BodySchema, problems: AnswerProblems, path = ''): unknown {
  if (value === undefined || value === null) return undefined;
  // strslice.StrSlice also reads a lone string as a one-element list.
  if (schema.kind === 'strSlice' && typeof value === 'string') return [value];
  if (!fits(value, schema)) {
    problems.add(path, `expected ${describeSchema(schema, 'plain')}, found ${found(value)}`);
    return undefined;
  }
  switch (schema.kind) {
    case 'strSlice':
    case 'array': {
      const items: BodySchema = schema.kind === 'array' ? schema.items : { kind: 'string' };
      const out: unknown[] = [];
      (value as unknown[]).forEach((item, i) => {
        const read = readAnswer(item, items, problems, `${path}[${i}]`);
        if (read !== undefined) out.push(read);
      });
      return out;
    }
    case 'map': {
      const out: Record<string, unknown> = {};
      for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
        const read = readAnswer(item, schema.values, problems, keyPath(path, key));
        if (read !== undefined) setOwn(out, key, read);
      }
      return out;
    }
    case 'object': {
      const source = value as Record<string, unknown>;
      const out: Record<string, unknown> = {};
      for (const [name, field] of schema.fields) {
        if (!Object.hasOwn(source, name)) continue;
        const read = readAnswer(source[name], field, problems, path === '' ? name : `${path}.${name}`);
        if (read !== undefined) out[name] = read;
      }
      return out;
    }
    default:
      return value;
  }
}
