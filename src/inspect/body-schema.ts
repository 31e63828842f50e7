// A small schema language for the JSON bodies dockgate judges, written to mirror the Go types dockerd
// decodes them into: objects are Go structs (exact field names; embedded structs are flattened into their
// parent, as Go promotes their fields), maps are Go maps (free-form keys), arrays are Go slices or
// fixed-size arrays, and scalars carry their Go type so numbers are checked the way Go checks them.
// `strSlice` is the one custom unmarshaler that changes what JSON is accepted (strslice.StrSlice).
//
// Null: Go reads `null` into a pointer, slice, map or interface field as nil, and into any other field as
// "leave it alone"; a decoded body starts from zero values and duplicate keys are refused, so for a struct
// field null always means the same as leaving the field out, and the reader drops it. Null inside arrays
// and as a map value means a zero element to Go (an empty string, a zero struct), which no client sends on
// purpose, so the reader refuses it there.
import { goFieldFold } from './go-field-fold.js';
import type { GoFloatType, GoIntegerType } from './go-number.js';

export interface StringSchema {
  readonly kind: 'string';
}
export interface BoolSchema {
  readonly kind: 'bool';
}
export interface IntegerSchema {
  readonly kind: 'integer';
  readonly type: GoIntegerType;
}
export interface FloatSchema {
  readonly kind: 'float';
  readonly type: GoFloatType;
}
/** strslice.StrSlice (Cmd, Entrypoint, Shell, CapAdd, CapDrop up to engine 28): a string or an array of strings. */
export interface StrSliceSchema {
  readonly kind: 'strSlice';
}
export interface ArraySchema {
  readonly kind: 'array';
  readonly items: BodySchema;
  /** A Go array (`[2]uint`) rather than a slice: Go drops extra elements and zero-fills missing ones. */
  readonly length?: number;
}
/** A rule free-form map keys must follow where the engine parses them (ports). */
export interface KeyRule {
  /** What a valid key looks like, for the refusal message. */
  readonly describe: string;
  test(key: string): boolean;
}
export interface MapSchema {
  readonly kind: 'map';
  readonly values: BodySchema;
  readonly keys?: KeyRule;
}
export interface ObjectSchema {
  readonly kind: 'object';
  /** Exact Go JSON field name to schema. */
  readonly fields: ReadonlyMap<string, BodySchema>;
  /**
   * Other spellings accepted for a field, to the field's exact name. Only for spellings the Engine API
   * documents that differ from the Go name but fold to it (e.g. `HealthCheck` for `Healthcheck`).
   */
  readonly spellings: ReadonlyMap<string, string>;
  /**
   * Keys the engine reads at this level as legacy aliases of fields that belong elsewhere (root-level
   * HostConfig fields in a container create body), to the path where they belong.
   */
  readonly legacy: ReadonlyMap<string, string>;
  /** Folded name (see go-field-fold.ts) of every field, spelling and legacy key, to the exact name. */
  readonly folded: ReadonlyMap<string, string>;
}

export type BodySchema =
  | StringSchema
  | BoolSchema
  | IntegerSchema
  | FloatSchema
  | StrSliceSchema
  | ArraySchema
  | MapSchema
  | ObjectSchema;

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

export function arrayOf(items: BodySchema, length?: number): ArraySchema {
  return length === undefined ? { kind: 'array', items } : { kind: 'array', items, length };
}

export function mapOf(values: BodySchema, keys?: KeyRule): MapSchema {
  return keys === undefined ? { kind: 'map', values } : { kind: 'map', values, keys };
}

export interface ObjectOptions {
  readonly spellings?: Readonly<Record<string, string>>;
  readonly legacy?: Readonly<Record<string, string>>;
}

export function object(fields: Readonly<Record<string, BodySchema>>, options: ObjectOptions = {}): ObjectSchema {
  const folded = new Map<string, string>();
  const remember = (key: string, target: string): void => {
    const fold = goFieldFold(key);
    const existing = folded.get(fold);
    if (existing !== undefined && existing !== target) {
      throw new Error(`body schema: ${key} and ${existing} fold to the same Go field name`);
    }
    folded.set(fold, target);
  };
  for (const name of Object.keys(fields)) remember(name, name);
  const spellings = new Map(Object.entries(options.spellings ?? {}));
  for (const [spelling, name] of spellings) {
    if (!(name in fields) || goFieldFold(spelling) !== goFieldFold(name)) {
      throw new Error(`body schema: spelling ${spelling} must fold to a field of the object, not ${name}`);
    }
  }
  const legacy = new Map(Object.entries(options.legacy ?? {}));
  for (const name of legacy.keys()) remember(name, name);
  return { kind: 'object', fields: new Map(Object.entries(fields)), spellings, legacy, folded };
}

/** A Go struct with no exported fields (`struct{}`, swarm GlobalService): only `{}` says anything. */
export function emptyObject(): ObjectSchema {
  return object({});
}

/** map[string]string, the shape of Labels, DriverOpts, Sysctls, Tmpfs, StorageOpt, Options... */
export const stringMap = mapOf(str);
export const stringList = arrayOf(str);

/** The exact field name a key stands for in `schema` (itself or a documented spelling), if any. */
export function fieldNameFor(schema: ObjectSchema, key: string): string | undefined {
  if (schema.fields.has(key)) return key;
  return schema.spellings.get(key);
}
