// `system df` kept to a client's owner (docs/owners-design.md, section 6), as the answer streams. The engine
// answers one JSON object whose members are arrays of every object it holds (`Images`, `Containers`,
// `Volumes`, `BuildCache`) and totals (`LayersSize`). Each array is read element by element
// (json-array-elements.ts), an element passed on byte for byte when it is the owner's (its `Labels`), so
// only one element is ever held. `BuildCache` is emptied (cache records carry no owner); `LayersSize`, which
// comes first but sums what comes after, is written last: the sum of the kept images' sizes (the engine's
// own when images are shared, then every image is shown). Members the engine may add later are left out;
// one that is an object, which cannot be skipped element by element, fails the answer.
import type { SharedKind } from '../judge/owner/owner-source.js';
import { ownerIn } from '../judge/owner/owner-label.js';
import { isRecord } from '../judge/reach/reach-context.js';
import { BACKSLASH, CLOSE_BRACE, COMMA, isWhitespace, JsonArrayElements, OPEN_BRACE, OPEN_BRACKET, QUOTE, type ArrayElement } from './json-array-elements.js';

/** An image, container or volume entry is a few kilobytes; a larger one is not one the rewrite can judge. */
export const DF_ELEMENT_LIMIT = 4 * 1024 * 1024;
/** Member names and scalar values of the document are short. */
const SCALAR_LIMIT = 256;

const COLON = 0x3a;

export class OwnerDfError extends Error {}

/** `key-or-end` just after `{`; `key-next` after a `,`. */
type State = 'start' | 'key-or-end' | 'key-next' | 'key' | 'colon' | 'value' | 'array' | 'scalar' | 'after' | 'done';

/** What happens to each element of an array member. */
type Keep = 'own' | 'all' | 'none';

export class OwnerDfRewrite {
  private state: State = 'start';
  private text: number[] = [];
  private escaped = false;
  private member = '';
  private array: JsonArrayElements | undefined;
  /** Whether the array being read is written out (a member the answer shows). */
  private arrayWritten = false;
  /** Whether the array being written has had an element, and whether any member was written. */
  private elementWritten = false;
  private memberWritten = false;
  private layersSize = 0;
  private engineLayersSize: string | undefined;

  constructor(
    private readonly owner: string,
    private readonly shared: readonly SharedKind[],
    /** Gets the answer as rewritten, in order. */
    private readonly out: (piece: Buffer) => void,
    private readonly elementLimit = DF_ELEMENT_LIMIT,
  ) {}

  push(chunk: Buffer): void {
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk[i]!;
      switch (this.state) {
        case 'array': {
          const used = this.array!.pushUntilEnd(chunk.subarray(i));
          if (used === -1) return;
          this.array = undefined;
          if (this.arrayWritten) this.out(Buffer.from(']'));
          this.state = 'after';
          i += used - 1;
          continue;
        }
        case 'key':
        case 'scalar':
          this.readText(c);
          continue;
        case 'value':
          if (isWhitespace(c)) continue;
          if (c === OPEN_BRACKET) {
            this.startArray();
            i--;
          } else if (c === OPEN_BRACE) throw new OwnerDfError(`the answer's ${JSON.stringify(this.member)} is an object, which dockgate cannot keep to an owner`);
          else {
            this.state = 'scalar';
            this.text = [c];
          }
          continue;
        default:
          if (!isWhitespace(c)) this.structural(c);
      }
    }
  }

  /** The answer ended: it must have been the whole document. */
  end(): void {
    if (this.state !== 'done') throw new OwnerDfError('the answer ended inside its JSON document');
  }

  private structural(c: number): void {
    if (this.state === 'start' && c === OPEN_BRACE) {
      this.out(Buffer.from('{'));
      this.state = 'key-or-end';
    } else if ((this.state === 'key-or-end' || this.state === 'key-next') && c === QUOTE) {
      this.state = 'key';
      this.text = [QUOTE];
    } else if (this.state === 'key-or-end' && c === CLOSE_BRACE) this.finish();
    else if (this.state === 'colon' && c === COLON) this.state = 'value';
    else if (this.state === 'after' && c === COMMA) this.state = 'key-next';
    else if (this.state === 'after' && c === CLOSE_BRACE) this.finish();
    else throw new OwnerDfError(`the answer has ${JSON.stringify(String.fromCharCode(c))} where its JSON document does not`);
  }

  /** A key, or a scalar value: held (they are short) until they end. */
  private readText(c: number): void {
    const quoted = this.text[0] === QUOTE;
    if (quoted && !this.escaped && c === QUOTE) {
      this.text.push(c);
      this.endText();
      return;
    }
    if (!quoted && (c === COMMA || c === CLOSE_BRACE || isWhitespace(c))) {
      this.endText();
      this.structural(c);
      return;
    }
    this.escaped = quoted && !this.escaped && c === BACKSLASH;
    if (this.text.length >= SCALAR_LIMIT) throw new OwnerDfError('the answer has a member name or value longer than any the engine writes');
    this.text.push(c);
  }

  private endText(): void {
    const text = Buffer.from(this.text).toString('utf8');
    this.text = [];
    if (this.state === 'key') {
      this.member = parseText(text) as string;
      this.state = 'colon';
      return;
    }
    this.state = 'after';
    if (this.member === 'LayersSize') this.engineLayersSize = text;
    else if (KEPT.has(this.member)) {
      if (parseText(text) !== null) throw new OwnerDfError(`the answer's ${JSON.stringify(this.member)} is not an array`);
      // A nil slice is written as null: as empty as an empty one, and written as one.
      this.out(Buffer.from(`${this.memberWritten ? ',' : ''}${JSON.stringify(this.member)}:[]`));
      this.memberWritten = true;
    }
  }

  private startArray(): void {
    const keep = this.keepOf(this.member);
    this.state = 'array';
    this.elementWritten = false;
    this.arrayWritten = keep !== undefined;
    if (keep !== undefined) {
      this.out(Buffer.from(`${this.memberWritten ? ',' : ''}${JSON.stringify(this.member)}:[`));
      this.memberWritten = true;
    }
    this.array = new JsonArrayElements(this.elementLimit, (element) => {
      if (keep === 'own' || keep === 'all') this.element(element, keep);
    });
  }

  private element(element: ArrayElement, keep: Keep): void {
    if (element === 'too-large') throw new OwnerDfError(`an element of ${this.member} is larger than ${this.elementLimit} bytes`);
    const value = parseText(element.toString('utf8'));
    if (keep === 'own' && !(isRecord(value) && ownerIn(value.Labels) === this.owner)) return;
    if (this.member === 'Images' && isRecord(value) && typeof value.Size === 'number') this.layersSize += value.Size;
    if (this.elementWritten) this.out(Buffer.from(','));
    this.out(element);
    this.elementWritten = true;
  }

  private keepOf(member: string): Keep | undefined {
    const rule = KEPT.get(member);
    if (rule === undefined) return undefined;
    return rule.shared !== undefined && this.shared.includes(rule.shared) ? 'all' : rule.keep;
  }

  private finish(): void {
    const layers = this.shared.includes('images') && this.engineLayersSize !== undefined ? this.engineLayersSize : String(this.layersSize);
    this.out(Buffer.from(`${this.memberWritten ? ',' : ''}"LayersSize":${layers}}`));
    this.state = 'done';
  }
}

/** The arrays shown, and whose elements: the owner's, or every one when the rule shares the kind. */
const KEPT: ReadonlyMap<string, { keep: Keep; shared?: SharedKind }> = new Map([
  ['Images', { keep: 'own', shared: 'images' }],
  ['Containers', { keep: 'own' }],
  ['Volumes', { keep: 'own', shared: 'volumes' }],
  ['BuildCache', { keep: 'none' }],
]);

function parseText(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new OwnerDfError('the answer is not JSON');
  }
}
