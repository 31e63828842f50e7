// Sizes as the Docker SDK for Python (docker-py, which Compose 1.29 sends through) reads them: a number is
// bytes as it is; text is digits with an optional unit b, k, m or g (powers of 1024, either case, an extra
// trailing b allowed: `512mb`), its digits read as a float and the product truncated.
const UNITS: Readonly<Record<string, number>> = { b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 };

const isLetter = (c: string | undefined): boolean => c !== undefined && /^\p{L}$/u.test(c);

/** The size in bytes, or undefined where docker-py fails (Compose reports the value as invalid). */
export function parseBytes(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value !== 'string') return undefined;
  if (value.length === 0) return 0;
  let text = value;
  if (isLetter(text.at(-2)) && isLetter(text.at(-1)) && (text.endsWith('b') || text.endsWith('B'))) text = text.slice(0, -1);
  let suffix = text.at(-1)!.toLowerCase();
  let digits = text.slice(0, -1);
  if (/^\d$/u.test(suffix)) {
    digits = text;
    suffix = 'b';
  }
  const unit = UNITS[suffix];
  // Python's float() takes surrounding blanks and forms such as `1e3`, `.5` and `inf`.
  const number = digits.trim() === '' ? Number.NaN : Number(digits.trim());
  if (unit === undefined || !Number.isFinite(number)) return undefined;
  return Math.trunc(number * unit);
}
