// Decodes a JSON value (from go-json-reader.ts) into the plain JavaScript value a body schema describes,
// the way Go's encoding/json decodes it into the engine's types, so that what the gateway judges is what
// the engine would have built:
//
// - a key names the field spelled exactly so, else the first field whose name folds to the same (case,
//   ſ and K); keys that name no field are ignored, as Go ignores them;
// - a repeated key is applied again, as Go applies it: a scalar, a strslice or a map entry replaces, an
//   object decodes into the struct already there (merging), a map decodes into the map already there, a
//   slice decodes element by element into the elements already there, and elements a shorter repeat cut
//   off come back when a longer one follows (Go keeps them in the slice's backing array);
// - null sets pointers, slices and maps to nil and leaves everything else alone; as an array element or
//   map value it is the element type's zero value;
// - values of the wrong JSON type, and numbers the Go type cannot hold, are refused (the engine rejects
//   the request with Go's UnmarshalTypeError).
//
// What comes out holds exactly the fields that were set, nil ones left out, strslices as arrays; its JSON
// is the canonical body the engine receives. Every place where that differs from what was sent is noted
// (src/route/normalisation.ts) for the audit record and for rules that read bodies strictly.
import { bodyRefusal } from './body-refusal.js';
import type { ArraySchema, BodySchema, MapSchema, ObjectSchema } from './body-schema.js';
import { describeSchema, foldedFieldFor, nullResets } from './body-schema.js';
import { JsonNumber, JsonObject, type JsonValue } from './go-json-reader.js';
import { readGoFloat, readGoInteger, type NumberReading } from './go-number.js';
import { formatJsonPath } from './json-path.js';
import type { NormalisationLog } from '../route/normalisation.js';
import { setOwn } from './plain-value.js';

const FIX_TYPE = 'Send the value with the type the Engine API documents';

type Plain = Record<string, unknown>;

function describeJson(value: JsonValue): string {
  if (value === null) return 'null';
  if (typeof value === 'boolean') return 'a boolean';
  if (typeof value === 'string') return 'a string';
  if (value instanceof JsonNumber) return 'a number';
  if (Array.isArray(value)) return 'an array';
  return 'an object';
}

function isPlain(value: unknown): value is Plain {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The zero value of a Go type whose zero is not nil; undefined for pointers, slices and maps. */
function zeroValue(schema: BodySchema): unknown {
  if (nullResets(schema)) return undefined;
  switch (schema.kind) {
    case 'string':
      return '';
    case 'bool':
      return false;
    case 'integer':
    case 'float':
      return 0;
    case 'object':
      return {};
    case 'array':
      return new Array(schema.length ?? 0).fill(zeroValue(schema.items));
    default:
      return undefined;
  }
}

export interface SchemaReading {
  readonly value: unknown;
  /** Embedded pointer structs of the root object that Go allocated (any of their fields was decoded). */
  readonly embeddedAllocated: ReadonlySet<string>;
}

class SchemaReader {
  private readonly path: (string | number)[] = [];
  /**
   * The backing array of a slice decoded more than once, where it is longer than the slice: elements a
   * shorter repeat cut off, which Go decodes into again when a longer repeat follows.
   */
  private readonly backing = new WeakMap<unknown[], unknown[]>();
  readonly embeddedAllocated = new Set<string>();

  constructor(private readonly notes: NormalisationLog) {}

  /** Decodes `json` into `existing` (the value already in place, undefined when none); undefined means nil. */
  decode(existing: unknown, json: JsonValue, schema: BodySchema): unknown {
    if (json === null) return nullResets(schema) ? undefined : existing;
    switch (schema.kind) {
      case 'string':
        if (typeof json !== 'string') this.wrongType(json, schema);
        return json;
      case 'bool':
        if (typeof json !== 'boolean') this.wrongType(json, schema);
        return json;
      case 'integer':
        if (!(json instanceof JsonNumber)) this.wrongType(json, schema);
        return this.number(readGoInteger(json.literal, schema.type));
      case 'float':
        if (!(json instanceof JsonNumber)) this.wrongType(json, schema);
        return this.number(readGoFloat(json.literal, schema.type));
      case 'strSlice':
        // StrSlice.UnmarshalJSON reads a lone string as a one-element list, and always starts afresh.
        if (typeof json === 'string') return [json];
        if (!Array.isArray(json)) this.wrongType(json, schema);
        return this.slice(undefined, json, { kind: 'array', items: { kind: 'string' } });
      case 'array':
        if (!Array.isArray(json)) this.wrongType(json, schema);
        return schema.length === undefined ? this.slice(existing, json, schema) : this.fixedArray(existing, json, schema, schema.length);
      case 'map':
        if (!(json instanceof JsonObject)) this.wrongType(json, schema);
        return this.map(existing, json, schema);
      case 'object':
        if (!(json instanceof JsonObject)) this.wrongType(json, schema);
        return this.object(existing, json, schema);
    }
  }

  private wrongType(value: JsonValue, schema: BodySchema): never {
    throw bodyRefusal(this.path, `expected ${describeSchema(schema, 'go')} but found ${describeJson(value)}`, FIX_TYPE);
  }

  private number(reading: NumberReading): number {
    if (!reading.ok) throw bodyRefusal(this.path, reading.why, FIX_TYPE);
    return reading.value;
  }

  /** An array element or map value given as null: the zero value, or a refusal where that is nil. */
  private nullElement(items: BodySchema): unknown {
    const zero = zeroValue(items);
    if (zero === undefined) {
      throw bodyRefusal(this.path, 'null here would hand the engine a nil element, which it does not expect', 'Send the element itself, or leave it out');
    }
    this.notes.add('null-element', formatJsonPath(this.path));
    return zero;
  }

  /** A Go slice, decoded into `existing` as encoding/json's array() does. */
  private slice(existing: unknown, values: readonly JsonValue[], schema: ArraySchema): unknown[] {
    if (values.length === 0) return [];
    const current: unknown[] = Array.isArray(existing) ? existing : [];
    const backing = this.backing.get(current) ?? current;
    const out: unknown[] = new Array(values.length);
    for (let i = 0; i < values.length; i++) {
      this.path.push(i);
      const item = values[i]!;
      const previous = i < backing.length ? backing[i] : undefined;
      // Null leaves an element Go already has alone, unless the element is a pointer (nil).
      if (item === null) out[i] = previous !== undefined && !nullResets(schema.items) ? previous : this.nullElement(schema.items);
      else out[i] = this.decode(previous, item, schema.items);
      this.path.pop();
    }
    if (backing.length > out.length) this.backing.set(out, [...out, ...backing.slice(out.length)]);
    return out;
  }

  /** A Go array (`[2]uint`): elements decoded in place, extra ones skipped, missing ones zeroed. */
  private fixedArray(existing: unknown, values: readonly JsonValue[], schema: ArraySchema, length: number): unknown[] {
    if (values.length !== length) this.notes.add('array-length', formatJsonPath(this.path));
    const current = Array.isArray(existing) ? existing : [];
    const zero = zeroValue(schema.items);
    const out: unknown[] = new Array(length);
    for (let i = 0; i < length; i++) {
      this.path.push(i);
      const item = values[i];
      if (item === undefined) out[i] = zero;
      else if (item === null) out[i] = current[i] ?? zero;
      else out[i] = this.decode(current[i], item, schema.items);
      this.path.pop();
    }
    return out;
  }

  private map(existing: unknown, json: JsonObject, schema: MapSchema): Plain {
    // Go decodes into the map already there; each entry's value starts from zero.
    const out: Plain = isPlain(existing) ? { ...existing } : {};
    let seen: Set<string> | undefined;
    for (const [key, member] of json.members) {
      this.path.push(key);
      if (schema.keys !== undefined && !schema.keys.test(key)) {
        throw bodyRefusal(this.path, `the key is not ${schema.keys.describe}`, `Write the key as ${schema.keys.describe}`);
      }
      if (json.members.length > 1) {
        seen ??= new Set();
        if (seen.has(key)) this.notes.add('repeated-key', formatJsonPath(this.path));
        seen.add(key);
      }
      setOwn(out, key, member === null ? this.nullElement(schema.values) : this.decode(undefined, member, schema.values));
      this.path.pop();
    }
    return out;
  }

  private object(existing: unknown, json: JsonObject, schema: ObjectSchema): Plain {
    const out: Plain = isPlain(existing) ? { ...existing } : {};
    const depth = this.path.length;
    // One bit per field of the struct, set once a key has named it: a repeat is noted.
    let seen: number[] | undefined;
    for (const [key, member] of json.members) {
      // A key spelled exactly as its field, nearly always, is found without comparing it to the name again.
      const exact = schema.byName.get(key);
      const field = exact ?? foldedFieldFor(schema, key);
      this.path.push(key);
      if (field === undefined) {
        this.notes.add('unknown-field', formatJsonPath(this.path));
        this.path.pop();
        continue;
      }
      const name = field.name;
      if (exact === undefined) {
        this.notes.add('field-name', formatJsonPath(this.path), formatJsonPath([...this.path.slice(0, -1), name]));
        this.path[depth] = name;
      }
      if (json.members.length > 1) {
        seen ??= new Array<number>(Math.ceil(schema.byName.size / 32)).fill(0);
        const word = field.index >>> 5;
        const bit = 1 << (field.index & 31);
        if ((seen[word]! & bit) !== 0) this.notes.add('repeated-key', formatJsonPath(this.path));
        seen[word]! |= bit;
      }
      if (depth === 0 && field.embeddedIn !== undefined) this.embeddedAllocated.add(field.embeddedIn);
      const before = out[name];
      const value = this.decode(before, member, field.schema);
      if (value !== undefined) out[name] = value;
      else if (before !== undefined) delete out[name];
      this.path.pop();
    }
    return out;
  }
}

/**
 * Decodes `value` into `schema` as Go would, noting every normalisation in `notes`; throws a
 * DG_BODY_MALFORMED GatewayError naming the JSON path of a value the engine would reject.
 */
export function readWithSchema(value: JsonValue, schema: BodySchema, notes: NormalisationLog): SchemaReading {
  const reader = new SchemaReader(notes);
  const decoded = reader.decode(undefined, value, schema);
  return { value: decoded, embeddedAllocated: reader.embeddedAllocated };
}
