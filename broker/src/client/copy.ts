// Byte copies sized for the hot path. Small pieces go through DataViews four bytes at a time, which
// TurboFan turns into plain loads and stores; Buffer.copy pays off only for large payloads.

/** A buffer with a DataView over the same bytes. */
export class Bytes {
  readonly dv: DataView;
  constructor(readonly buf: Buffer) {
    this.dv = new DataView(buf.buffer, buf.byteOffset, buf.length);
  }

  static alloc(size: number): Bytes {
    return new Bytes(Buffer.allocUnsafeSlow(size));
  }
}

const LARGE = 256;

/** Copies n bytes from src at s to dst at d. */
export function copyBytes(dst: Bytes, d: number, src: Bytes, s: number, n: number): void {
  if (n >= LARGE) {
    src.buf.copy(dst.buf, d, s, s + n);
    return;
  }
  const dv = dst.dv, sv = src.dv;
  let k = 0;
  for (; k + 4 <= n; k += 4) dv.setInt32(d + k, sv.getInt32(s + k, true), true);
  const db = dst.buf, sb = src.buf;
  for (; k < n; k++) db[d + k] = sb[s + k]!;
}

/** Copies src[s, e) to dst at d byte by byte and returns the new end (for pieces built rarely). */
export function put(dst: Buffer, d: number, src: Buffer, s: number, e: number): number {
  const n = e - s;
  if (n < 64) {
    for (let k = 0; k < n; k++) dst[d + k] = src[s + k]!;
  } else {
    src.copy(dst, d, s, e);
  }
  return d + n;
}
