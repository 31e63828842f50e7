// Reads a JSON value (from go-json-reader.ts) into the plain JavaScript value a body schema describes,
// refusing what Go would read differently or not at all: keys that are not the exact name of a field
// (Go would match them case-insensitively, or silently ignore them), legacy aliases, values of the wrong
// JSON type, numbers the Go type cannot hold. What comes out holds exactly the fields that were read,
// with `null` fields left out (see body-schema.ts) and strslice values as arrays.
import { bodyRefusal } from './body-refusal.js';
import type { BodySchema, MapSchema, ObjectSchema } from './body-schema.js';
import { fieldNameFor } from './body-schema.js';
import { goFieldFold } from './go-field-fold.js';
import { JsonNumber, type JsonValue } from './go-json-reader.js';
import { readGoFloat, readGoInteger, type NumberReading } from './go-number.js';
import { formatJsonPath } from './json-path.js';
import { setOwn } from './plain-value.js';

const FIX_TYPE = 'Send the value with the type the Engine API documents';
const FIX_UNKNOWN = 'Remove it, or update dockgate if a newer engine added it';

function describeSchema(schema: BodySchema): string {
  switch (schema.kind) {
    case 'string':
      return 'a string';
    case 'bool':
      return 'true or false';
    case 'integer':
      return `an integer (Go ${schema.type})`;
    case 'float':
      return `a number (Go ${schema.type})`;
    case 'strSlice':
      return 'a string or an array of strings';
    case 'array':
      return schema.length === undefined ? 'an array' : `an array of ${schema.length} elements`;
    case 'map':
    case 'object':
      return 'an object';
  }
}

function describeJson(value: JsonValue): string {
  if (value === null) return 'null';
  if (typeof value === 'boolean') return 'a boolean';
  if (typeof value === 'string') return 'a string';
  if (value instanceof JsonNumber) return 'a number';
  if (Array.isArray(value)) return 'an array';
  return 'an object';
}

class SchemaReader {
  private readonly path: (string | number)[] = [];

  read(value: JsonValue, schema: BodySchema): unknown {
    switch (schema.kind) {
      case 'string':
        if (typeof value !== 'string') this.wrongType(value, schema);
        return value;
      case 'bool':
        if (typeof value !== 'boolean') this.wrongType(value, schema);
        return value;
      case 'integer':
        if (!(value instanceof JsonNumber)) this.wrongType(value, schema);
        return this.number(readGoInteger(value.literal, schema.type));
      case 'float':
        if (!(value instanceof JsonNumber)) this.wrongType(value, schema);
        return this.number(readGoFloat(value.literal, schema.type));
      case 'strSlice':
        // StrSlice.UnmarshalJSON reads a lone string as a one-element list; engines from 29 on take
        // only the list, which means the same wherever the string form was accepted.
        if (typeof value === 'string') return [value];
        if (!Array.isArray(value)) this.wrongType(value, schema);
        return this.elements(value, { kind: 'string' });
      case 'array':
        if (!Array.isArray(value)) this.wrongType(value, schema);
        if (schema.length !== undefined && value.length !== schema.length) {
          throw bodyRefusal(
            this.path,
            `the engine reads exactly ${schema.length} elements here and would drop or zero-fill the rest, but ${value.length} were sent`,
            `Send exactly ${schema.length} elements`,
          );
        }
        return this.elements(value, schema.items);
      case 'map':
        if (!(value instanceof Map)) this.wrongType(value, schema);
        return this.map(value, schema);
      case 'object':
        if (!(value instanceof Map)) this.wrongType(value, schema);
        return this.object(value, schema);
    }
  }

  private wrongType(value: JsonValue, schema: BodySchema): never {
    throw bodyRefusal(this.path, `expected ${describeSchema(schema)} but found ${describeJson(value)}`, FIX_TYPE);
  }

  private number(reading: NumberReading): number {
    if (!reading.ok) throw bodyRefusal(this.path, reading.why, FIX_TYPE);
    return reading.value;
  }

  private refuseNullElement(): never {
    throw bodyRefusal(this.path, 'null here stands for a zero value to Go (an empty string or an empty object), which is rarely what was meant', 'Send the value itself, or leave the element out');
  }

  private elements(values: readonly JsonValue[], items: BodySchema): unknown[] {
    const out: unknown[] = new Array(values.length);
    for (let i = 0; i < values.length; i++) {
      this.path.push(i);
      const item = values[i]!;
      if (item === null) this.refuseNullElement();
      out[i] = this.read(item, items);
      this.path.pop();
    }
    return out;
  }

  private map(members: ReadonlyMap<string, JsonValue>, schema: MapSchema): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [key, member] of members) {
      this.path.push(key);
      if (schema.keys !== undefined && !schema.keys.test(key)) {
        throw bodyRefusal(this.path, `the key is not ${schema.keys.describe}`, `Write the key as ${schema.keys.describe}`);
      }
      if (member === null) this.refuseNullElement();
      setOwn(out, key, this.read(member, schema.values));
      this.path.pop();
    }
    return out;
  }

  private object(members: ReadonlyMap<string, JsonValue>, schema: ObjectSchema): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    // Exact names already read, so that a field and its documented other spelling are not both taken.
    let seen: Set<string> | undefined;
    for (const [key, member] of members) {
      this.path.push(key);
      const name = fieldNameFor(schema, key) ?? this.refuseKey(key, schema);
      if (schema.spellings.size > 0) {
        seen ??= new Set();
        if (seen.has(name)) {
          throw bodyRefusal(this.path, `the object also holds another spelling of ${name}; Go reads both into the one field and keeps the last`, `Send ${name} once`);
        }
        seen.add(name);
      }
      if (member !== null) {
        this.path[this.path.length - 1] = name;
        out[name] = this.read(member, schema.fields.get(name)!);
      }
      this.path.pop();
    }
    return out;
  }

  private refuseKey(key: string, schema: ObjectSchema): never {
    const parent = this.path.slice(0, -1);
    const where = parent.length === 0 ? '' : `${formatJsonPath(parent)}.`;
    const legacyHome = schema.legacy.get(key);
    if (legacyHome !== undefined) {
      throw bodyRefusal(
        this.path,
        `at this level the engine reads ${key} as a legacy alias of ${legacyHome}, and older and newer engines apply it differently`,
        `Put it under ${legacyHome}`,
      );
    }
    const foldsTo = schema.folded.get(goFieldFold(key));
    if (foldsTo !== undefined) {
      const home = schema.legacy.get(foldsTo) ?? `${where}${foldsTo}`;
      throw bodyRefusal(
        this.path,
        `the key is not the exact field name ${foldsTo}, but Go matches field names ignoring case (and reads ſ as s, K as k), so the engine would read it as ${foldsTo}`,
        `Spell it exactly ${home}`,
      );
    }
    throw bodyRefusal(this.path, `${key} is not a field the engine reads here; the engine ignores unknown fields, so dockgate cannot tell what was meant`, FIX_UNKNOWN);
  }
}

/**
 * Reads `value` against `schema`, or throws a DG_BODY_MALFORMED GatewayError naming the JSON path of the
 * first field the gateway will not read.
 */
export function readWithSchema(value: JsonValue, schema: BodySchema): unknown {
  return new SchemaReader().read(value, schema);
}
