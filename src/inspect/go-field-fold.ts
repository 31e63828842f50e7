// How Go's encoding/json matches an object key to a struct field when the key is not the exact field
// name: case-insensitively under Unicode simple folding. For the ASCII field names of the Engine API
// that means ASCII case plus two non-ASCII letters: U+017F (ſ) folds to S and U+212A (Kelvin sign) to K,
// so `{"bindſ":...}` sets HostConfig.Binds. Go 1.21+ folds with unicode.SimpleFold; older Go had
// explicit special cases for exactly these two letters; both read the same keys as the same fields.

const LONG_S = 0x017f;
const KELVIN = 0x212a;

/** The folded form of a key or field name; two names Go would match to each other fold to the same string. */
export function goFieldFold(name: string): string {
  let folded = '';
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c >= 0x61 && c <= 0x7a) folded += String.fromCharCode(c - 0x20);
    else if (c === LONG_S) folded += 'S';
    else if (c === KELVIN) folded += 'K';
    else folded += name[i];
  }
  return folded;
}
