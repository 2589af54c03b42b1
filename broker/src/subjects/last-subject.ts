// A one-entry cache of the last subject a connection sent: its bytes, its string and what the
// sublist matched for it at generation `gen`. A repeat of the same subject skips building the string
// and the lookup, the largest single saving on the message path (see STYLE.md).

import { bytesEqual } from "../protocol/bytes.js";

const enum Copy { SMALL = 48 }

export class LastSubject<R> {
  private bytes = Buffer.allocUnsafe(64);
  private len = -1;
  str = "";
  result: R | null = null;
  /** The sublist generation the result belongs to; -1 forgets the entry. */
  gen = -1;

  /** True when a[s, e) is the remembered subject and the sublist is still at generation `gen`. */
  hit(a: Buffer, s: number, e: number, gen: number): boolean {
    return this.gen === gen && bytesEqual(a, s, e, this.bytes, this.len);
  }

  remember(a: Buffer, s: number, e: number, str: string, result: R, gen: number): void {
    const len = e - s;
    if (len > this.bytes.length) this.bytes = Buffer.allocUnsafe(len * 2);
    if (len < Copy.SMALL) for (let k = 0; k < len; k++) this.bytes[k] = a[s + k]!;
    else a.copy(this.bytes, 0, s, e);
    this.len = len;
    this.str = str;
    this.result = result;
    this.gen = gen;
  }
}
