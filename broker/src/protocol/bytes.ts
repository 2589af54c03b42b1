// Byte constants of the wire protocol, and small byte helpers shared by the parser and encoders.

export const S = {
  CR: 13, LF: 10, SPACE: 32, TAB: 9, PLUS: 43, MINUS: 45, DOT: 46, STAR: 42, GT: 62,
  A: 65, B: 66, C: 67, E: 69, F: 70, G: 71, H: 72, I: 73, K: 75, M: 77, N: 78, O: 79, P: 80, R: 82, S: 83, T: 84, U: 85,
  a: 97, b: 98, c: 99, e: 101, f: 102, g: 103, h: 104, i: 105, k: 107, m: 109, n: 110, o: 111, p: 112, r: 114, s: 115, t: 116, u: 117,
} as const;

export function isSpace(b: number): boolean {
  return b === 32 || b === 9;
}

/** True when buf[start, end) equals the first `len` bytes of `other`. */
export function bytesEqual(buf: Buffer, start: number, end: number, other: Buffer, len: number): boolean {
  if (end - start !== len) return false;
  for (let k = 0; k < len; k++) if (buf[start + k] !== other[k]) return false;
  return true;
}

/** A size argument buf[s, e): decimal digits only, at most 9 of them as nats-server reads; -1 when
 * it is not one. */
export function parseSize(buf: Buffer, s: number, e: number): number {
  if (e - s > 9 || e === s) return -1;
  let v = 0;
  for (let p = s; p < e; p++) {
    const d = buf[p]! - 48;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v;
}
