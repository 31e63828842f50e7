// Which JSON number literals Go's encoding/json stores into which Go numeric type, and the JavaScript
// number that stands for the same value. Integers: strconv.ParseInt/ParseUint semantics (no fraction,
// no exponent, no sign on unsigned types, within the type's range); beyond ±2^53 a JavaScript number can
// no longer hold the value exactly, so such literals are refused rather than rounded. Floats: parsed as
// Go does, refusing values Go would reject as out of range, and float32 values whose reading through a
// float64 could round differently from Go's direct float32 parse.

export type GoIntegerType = 'int' | 'int64' | 'int32' | 'int16' | 'int8' | 'uint' | 'uint64' | 'uint32' | 'uint16' | 'uint8';
export type GoFloatType = 'float32' | 'float64';

export type NumberReading = { readonly ok: true; readonly value: number } | { readonly ok: false; readonly why: string };

const INTEGER_RANGES: Readonly<Record<GoIntegerType, readonly [bigint, bigint]>> = {
  // dockerd runs on 64-bit platforms, where Go's int and uint are 64 bits wide.
  int: [-(2n ** 63n), 2n ** 63n - 1n],
  int64: [-(2n ** 63n), 2n ** 63n - 1n],
  int32: [-(2n ** 31n), 2n ** 31n - 1n],
  int16: [-(2n ** 15n), 2n ** 15n - 1n],
  int8: [-(2n ** 7n), 2n ** 7n - 1n],
  uint: [0n, 2n ** 64n - 1n],
  uint64: [0n, 2n ** 64n - 1n],
  uint32: [0n, 2n ** 32n - 1n],
  uint16: [0n, 2n ** 16n - 1n],
  uint8: [0n, 2n ** 8n - 1n],
};

const MAX_EXACT = BigInt(Number.MAX_SAFE_INTEGER);

/** The same ranges as numbers: exact for the types up to 32 bits, and far beyond any SHORT_LITERAL for the 64-bit ones. */
const NUMBER_RANGES = Object.fromEntries(Object.entries(INTEGER_RANGES).map(([type, [min, max]]) => [type, [Number(min), Number(max)] as const])) as unknown as Readonly<
  Record<GoIntegerType, readonly [number, number]>
>;

/** The longest literal (sign included) that is below 10^15, so below 2^53: read exactly as a number, without a BigInt. */
const SHORT_LITERAL = 15;

/** `literal` is a well-formed JSON number (the reader checked its grammar). */
export function readGoInteger(literal: string, type: GoIntegerType): NumberReading {
  if (literal.includes('.') || literal.includes('e') || literal.includes('E')) {
    return { ok: false, why: `${literal} is not an integer literal, and Go stores only integer literals into ${type}` };
  }
  const [min, max] = INTEGER_RANGES[type];
  if (min === 0n && literal.startsWith('-')) {
    return { ok: false, why: `${type} is unsigned and Go refuses a minus sign` };
  }
  if (literal.length <= SHORT_LITERAL) {
    const [low, high] = NUMBER_RANGES[type];
    const short = Number(literal);
    if (short < low || short > high) return { ok: false, why: `${literal} is out of range for ${type}` };
    return { ok: true, value: short === 0 ? 0 : short };
  }
  const value = BigInt(literal);
  if (value < min || value > max) return { ok: false, why: `${literal} is out of range for ${type}` };
  if (value > MAX_EXACT || value < -MAX_EXACT) {
    return { ok: false, why: `${literal} is beyond ±2^53, where dockgate cannot hold the integer exactly` };
  }
  const number = Number(value);
  return { ok: true, value: number === 0 ? 0 : number };
}

const float32Bits = new Float32Array(1);
const float32Word = new Uint32Array(float32Bits.buffer);

/** The float32 next to `f` (a finite float32) in the direction of `toward`. */
function adjacentFloat32(f: number, toward: number): number {
  if (f === 0) return Math.sign(toward) * 2 ** -149;
  float32Bits[0] = f;
  // Moving away from zero increments the magnitude bits; moving toward zero decrements them.
  float32Word[0] = float32Word[0]! + (toward > f === f > 0 ? 1 : -1);
  return float32Bits[0];
}

export function readGoFloat(literal: string, type: GoFloatType): NumberReading {
  const value = Number(literal);
  if (!Number.isFinite(value)) return { ok: false, why: `${literal} is out of range for ${type}` };
  if (type === 'float32') {
    const single = Math.fround(value);
    if (!Number.isFinite(single)) return { ok: false, why: `${literal} is out of range for float32` };
    if (single !== value) {
      // Rounding to float64 first and then to float32 matches Go's direct float32 parse unless the float64
      // lands exactly halfway between two float32 values; then the tie could break the other way.
      const other = adjacentFloat32(single, value);
      if ((single + other) / 2 === value) {
        return { ok: false, why: `${literal} lies too close to halfway between two float32 values to know which one Go reads` };
      }
    }
  }
  return { ok: true, value: value === 0 ? 0 : value };
}
