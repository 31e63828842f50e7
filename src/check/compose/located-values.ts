// Reading a service's located values with the types Compose's schema gives them: a value of another type
// is refused as Compose refuses it (`services.web.privileged contains an invalid type, it should be a
// boolean`), at the place it was written.
import { ComposeFileError } from './compose-file-error.js';
import type { LocatedEntry, LocatedMap, LocatedNode, LocatedScalar, ScalarValue } from './located-yaml.js';

/** A value and where it was written: the key that set it, or the list item. */
export interface Located<T> {
  value: T;
  node: LocatedNode;
}

export class LocatedReader {
  constructor(
    /** `services.web`, for messages. */
    readonly where: string,
    readonly map: LocatedMap,
  ) {}

  entry(key: string): LocatedEntry | undefined {
    const entry = this.map.entries.get(key);
    if (entry === undefined || (entry.value.kind === 'scalar' && entry.value.value === null)) return undefined;
    return entry;
  }

  has(key: string): boolean {
    return this.entry(key) !== undefined;
  }

  invalid(key: string, node: LocatedNode, should: string): never {
    throw new ComposeFileError(node.at, `${this.where}.${key} contains an invalid type, it should be ${should}`);
  }

  scalarOf(key: string, node: LocatedNode, types: readonly ('string' | 'number' | 'boolean')[], should: string): LocatedScalar {
    if (node.kind !== 'scalar' || node.value === null || !types.includes(typeof node.value as 'string')) this.invalid(key, node, should);
    return node;
  }

  string(key: string): string | undefined {
    const entry = this.entry(key);
    return entry && (this.scalarOf(key, entry.value, ['string'], 'a string').value as string);
  }

  /** A string or a number, read as text (`user: 1000`). */
  text(key: string): string | undefined {
    const entry = this.entry(key);
    return entry && String(this.scalarOf(key, entry.value, ['string', 'number'], 'a string or number').value);
  }

  boolean(key: string): boolean | undefined {
    const entry = this.entry(key);
    return entry && (this.scalarOf(key, entry.value, ['boolean'], 'a boolean').value as boolean);
  }

  number(key: string): number | undefined {
    const entry = this.entry(key);
    return entry && (this.scalarOf(key, entry.value, ['number'], 'a number').value as number);
  }

  /** A size: a number of bytes or text such as `512m`. */
  size(key: string): string | number | undefined {
    const entry = this.entry(key);
    return entry && (this.scalarOf(key, entry.value, ['string', 'number'], 'a string or number').value as string | number);
  }

  /** A list of scalars (strings unless `types` says otherwise), each with its item's place. */
  list(key: string, types: readonly ('string' | 'number' | 'boolean')[] = ['string'], should = 'an array of strings'): Located<ScalarValue>[] | undefined {
    const entry = this.entry(key);
    if (entry === undefined) return undefined;
    if (entry.value.kind !== 'seq') this.invalid(key, entry.value, should);
    return entry.value.items.map((item) => ({ value: this.scalarOf(key, item, types, should).value, node: item }));
  }

  /** A string or a list of strings (`dns`, `tmpfs`, `env_file`). */
  stringOrList(key: string): Located<string>[] | undefined {
    const entry = this.entry(key);
    if (entry === undefined) return undefined;
    if (entry.value.kind === 'scalar') return [{ value: this.scalarOf(key, entry.value, ['string'], 'a string or a list of strings').value as string, node: entry.value }];
    return this.list(key, ['string'], 'a string or a list of strings') as Located<string>[];
  }

  /** A mapping, or a list of `KEY=VALUE` items (`environment`, `labels`, `sysctls`): entries in order, a later one replacing an earlier. */
  dictOrList(key: string, split: (item: string) => [string, string | null]): Map<string, Located<ScalarValue>> | undefined {
    const entry = this.entry(key);
    if (entry === undefined) return undefined;
    const out = new Map<string, Located<ScalarValue>>();
    if (entry.value.kind === 'map') {
      for (const [name, item] of entry.value.entries) {
        if (item.value.kind !== 'scalar') this.invalid(`${key}.${name}`, item.value, 'a string, number, boolean or null');
        out.set(name, { value: item.value.value, node: { ...item.value, at: item.key } });
      }
      return out;
    }
    if (entry.value.kind !== 'seq') this.invalid(key, entry.value, 'an object or an array');
    for (const item of entry.value.items) {
      const [name, value] = split(String(this.scalarOf(key, item, ['string', 'number'], 'an object or an array of strings').value));
      out.set(name, { value, node: item });
    }
    return out;
  }

  /** Refuses a key of `node` (an item of the list at `key`) that the schema does not allow there, as Compose refuses it. */
  onlyKeys(key: string, node: LocatedMap, allowed: readonly string[]): void {
    for (const [name, entry] of node.entries) {
      if (!allowed.includes(name) && !name.startsWith('x-')) throw new ComposeFileError(entry.key, `${this.where}.${key} contains unsupported option: '${name}'`);
    }
  }

  /** A nested mapping, read with the same rules. */
  mapping(key: string): LocatedReader | undefined {
    const entry = this.entry(key);
    if (entry === undefined) return undefined;
    if (entry.value.kind !== 'map') this.invalid(key, entry.value, 'an object');
    return new LocatedReader(`${this.where}.${key}`, entry.value);
  }
}

/** `KEY=VALUE` → [KEY, VALUE]; `KEY` → [KEY, null] (environment: the value comes from the project's variables). */
export function splitEnvironment(item: string): [string, string | null] {
  const at = item.indexOf('=');
  return at < 0 ? [item, null] : [item.slice(0, at), item.slice(at + 1)];
}

/** `KEY=VALUE` → [KEY, VALUE]; `KEY` → [KEY, ''] (labels, sysctls). */
export function splitKeyValue(item: string): [string, string] {
  const at = item.indexOf('=');
  return at < 0 ? [item, ''] : [item.slice(0, at), item.slice(at + 1)];
}

/** A scalar as Python's str() writes it into the body (`True`, `1.5`). */
export function pythonText(value: ScalarValue): string {
  if (value === null) return 'None';
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  return String(value);
}
