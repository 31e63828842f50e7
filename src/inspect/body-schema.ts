// A small schema language for the JSON bodies dockgate judges, written to mirror the Go types dockerd
// decodes them into: objects are Go structs (exact field names; embedded structs are flattened into their
// parent, as Go promotes their fields), maps are Go maps (free-form keys), arrays are Go slices or
// fixed-size arrays, and scalars carry their Go type so numbers are checked the way Go checks them.
// `strSlice` is the one custom unmarshaler that changes what JSON is accepted (strslice.StrSlice).
//
// Null: Go reads `null` into a pointer, slice or map as nil, and into a struct value or a scalar as
// "leave it alone". Where a key is repeated that difference shows (`"Init": true, "Init": null` leaves a
// `bool` true and a `*bool` nil), so a schema marks the Go pointers: `pointer(...)`. Slices, maps and
// strslices are always reset by null.
import { goFieldFold } from './go-field-fold.js';
import type { GoFloatType, GoIntegerType } from './go-number.js';

interface GoType {
  /** A Go pointer (`*bool`, `*HealthConfig`): null sets it to nil instead of leaving it alone. */
  readonly pointer?: true;
}
export interface StringSchema extends GoType {
  readonly kind: 'string';
}
export interface BoolSchema extends GoType {
  readonly kind: 'bool';
}
export interface IntegerSchema extends GoType {
  readonly kind: 'integer';
  readonly type: GoIntegerType;
}
export interface FloatSchema extends GoType {
  readonly kind: 'float';
  readonly type: GoFloatType;
}
/** strslice.StrSlice (Cmd, Entrypoint, Shell, CapAdd, CapDrop up to engine 28): a string or an array of strings. */
export interface StrSliceSchema extends GoType {
  readonly kind: 'strSlice';
}
export interface ArraySchema<Items extends BodySchema = BodySchema> extends GoType {
  readonly kind: 'array';
  readonly items: Items;
  /** A Go array (`[2]uint`) rather than a slice: Go drops extra elements and zero-fills missing ones. */
  readonly length?: number;
}
/** A rule free-form map keys must follow where the engine parses them (ports). */
export interface KeyRule {
  /** What a valid key looks like, for the refusal message. */
  readonly describe: string;
  test(key: string): boolean;
}
export interface MapSchema<Values extends BodySchema = BodySchema> extends GoType {
  readonly kind: 'map';
  readonly values: Values;
  readonly keys?: KeyRule;
}
/** The fields of a Go struct: exact Go JSON field name to schema. */
export type FieldSchemas = Readonly<Record<string, BodySchema>>;

/** A key no value has: it carries an object schema's field types for BodyOf, and nothing at run time. */
declare const fieldTypes: unique symbol;

export interface ObjectSchema<Fields extends FieldSchemas = FieldSchemas> extends GoType {
  readonly kind: 'object';
  /** Type-level only (never set): the fields by name, from which BodyOf derives the decoded object's type. */
  readonly [fieldTypes]?: Fields;
  /** Exact Go JSON field name to schema, in the Go struct's field order (which decides fold ties). */
  readonly fields: ReadonlyMap<string, BodySchema>;
  /**
   * Every field by its exact name: what the reader needs of it in one look-up (a key read from a body is
   * a new string, hashed once per look-up).
   */
  readonly byName: ReadonlyMap<string, ObjectField>;
  /** Folded name (see go-field-fold.ts) of every field, to the first field in order with that fold. */
  readonly folded: ReadonlyMap<string, ObjectField>;
}

/** One field of an object schema, as the reader matches a key to it. */
export interface ObjectField {
  /**
   * The exact Go JSON field name, the schema's own string: decoded objects are keyed by it rather than by
   * the key read from the body, so V8 looks their properties up without searching its string table (that
   * search was 4 % of a refused create's profile).
   */
  readonly name: string;
  readonly schema: BodySchema;
  /** Its place in the struct's field order: the bit that marks it read in an object (repeated keys). */
  readonly index: number;
  /**
   * The embedded Go pointer struct it is promoted from, if any: Go allocates the struct when any of its
   * fields is decoded, even as null, and the reader reports which were (container create's root-level
   * Config and legacy HostConfig).
   */
  readonly embeddedIn: string | undefined;
}

export type BodySchema = StringSchema | BoolSchema | IntegerSchema | FloatSchema | StrSliceSchema | ArraySchema | MapSchema | ObjectSchema;

/**
 * The JavaScript value schema-reader.ts decodes for a schema: an object holds only the fields that were
 * set (Go leaves nil ones out, so every field is optional); a strslice is always an array; integers are
 * numbers (the reader refuses what a number cannot hold exactly, beyond ±2^53); a Go array is an array of
 * its length. Null never appears inside: it leaves a field out or stands for the element's zero value.
 */
export type BodyOf<S extends BodySchema> = S extends StringSchema
  ? string
  : S extends BoolSchema
    ? boolean
    : S extends IntegerSchema | FloatSchema
      ? number
      : S extends StrSliceSchema
        ? string[]
        : S extends ArraySchema<infer Items>
          ? BodyOf<Items>[]
          : S extends MapSchema<infer Values>
            ? Record<string, BodyOf<Values>>
            : S extends ObjectSchema<infer Fields>
              ? { -readonly [Name in keyof Fields]?: BodyOf<Fields[Name]> }
              : never;

export const str: StringSchema = { kind: 'string' };
export const bool: BoolSchema = { kind: 'bool' };
export const strSlice: StrSliceSchema = { kind: 'strSlice' };

export function integer(type: GoIntegerType): IntegerSchema {
  return { kind: 'integer', type };
}

export function float(type: GoFloatType): FloatSchema {
  return { kind: 'float', type };
}

export const int = integer('int');
export const int64 = integer('int64');
export const uint = integer('uint');
export const uint16 = integer('uint16');
export const uint32 = integer('uint32');
export const uint64 = integer('uint64');
/** time.Duration: an int64 count of nanoseconds. */
export const duration = int64;
/** os.FileMode: a uint32. */
export const fileMode = uint32;

export function arrayOf<Items extends BodySchema>(items: Items, length?: number): ArraySchema<Items> {
  return length === undefined ? { kind: 'array', items } : { kind: 'array', items, length };
}

export function mapOf<Values extends BodySchema>(values: Values, keys?: KeyRule): MapSchema<Values> {
  return keys === undefined ? { kind: 'map', values } : { kind: 'map', values, keys };
}

export interface ObjectOptions {
  /** Embedded pointer structs whose fields are promoted into this one: struct name to its field names. */
  readonly embedded?: Readonly<Record<string, readonly string[]>>;
}

export function object<Fields extends FieldSchemas>(fields: Fields, options: ObjectOptions = {}): ObjectSchema<Fields> {
  const embeddedIn = new Map<string, string>();
  for (const [struct, names] of Object.entries(options.embedded ?? {})) {
    for (const name of names) {
      if (!(name in fields)) throw new Error(`body schema: embedded field ${struct}.${name} is not a field of the object`);
      embeddedIn.set(name, struct);
    }
  }
  const byName = new Map<string, ObjectField>();
  const folded = new Map<string, ObjectField>();
  for (const [index, [name, schema]] of Object.entries(fields).entries()) {
    // One shape for every field, so the reader's loads of it stay monomorphic.
    const field: ObjectField = { name, schema, index, embeddedIn: embeddedIn.get(name) };
    byName.set(name, field);
    const fold = goFieldFold(name);
    // Go takes the first field in struct order whose name folds to the key's (encoding/json typeFields).
    if (!folded.has(fold)) folded.set(fold, field);
  }
  return { kind: 'object', fields: new Map(Object.entries(fields)), byName, folded };
}

/** The same Go type behind a pointer: null sets it to nil (see the header). */
export function pointer<T extends BodySchema>(schema: T): T {
  return { ...schema, pointer: true };
}

/** Whether Go sets a value of this type to nil when it reads null (rather than leaving it alone). */
export function nullResets(schema: BodySchema): boolean {
  if (schema.pointer === true) return true;
  switch (schema.kind) {
    case 'map':
    case 'strSlice':
      return true;
    case 'array':
      // A slice; a fixed-size Go array is a value.
      return schema.length === undefined;
    default:
      return false;
  }
}

/** A Go struct with no exported fields (`struct{}`, swarm GlobalService): only `{}` says anything. */
export function emptyObject(): ObjectSchema<Record<never, never>> {
  return object({});
}

/** map[string]string, the shape of Labels, DriverOpts, Sysctls, Tmpfs, StorageOpt, Options... */
export const stringMap = mapOf(str);
export const stringList = arrayOf(str);

/**
 * What a value of the type looks like, for a message: `go` names the Go type (a refused request, whose
 * sender reads the Engine API), `plain` says it in everyday words (an audit report, read by an operator).
 */
export function describeSchema(schema: BodySchema, words: 'go' | 'plain'): string {
  const list = words === 'go' ? 'an array' : 'a list';
  switch (schema.kind) {
    case 'string':
      return 'a string';
    case 'bool':
      return 'true or false';
    case 'integer':
      if (words === 'go') return `an integer (Go ${schema.type})`;
      return schema.type.startsWith('u') ? 'a whole number, not negative' : 'a whole number';
    case 'float':
      return words === 'go' ? `a number (Go ${schema.type})` : 'a number';
    case 'strSlice':
      return `a string or ${list} of strings`;
    case 'array':
      return list;
    case 'map':
    case 'object':
      return 'an object';
  }
}

/**
 * The field a key that is no field's exact name stands for in `schema`, as Go matches it: the first that folds
 * alike (the exact name, which Go tries first, is `schema.byName`).
 */
export function foldedFieldFor(schema: ObjectSchema, key: string): ObjectField | undefined {
  return schema.folded.get(goFieldFold(key));
}
