// A seeded generator of client protocol sessions for differential fuzzing: mostly well-formed ops
// with the grammar's freedoms (verb case, blank runs, bare LF), plus a few malformed ones, split
// into TCP writes at random offsets. Queue groups get one member each, so delivery is deterministic.

/** mulberry32: a small deterministic PRNG. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class SessionGen {
  private sid = 0;
  private queue = 0;
  constructor(private readonly rnd: () => number) {}

  private int(n: number): number {
    return Math.floor(this.rnd() * n);
  }

  private pick<T>(xs: readonly T[]): T {
    const x = xs[this.int(xs.length)];
    if (x === undefined) throw new Error("pick from an empty list");
    return x;
  }

  private chance(p: number): boolean {
    return this.rnd() < p;
  }

  private verb(v: string): string {
    if (!this.chance(0.3)) return v;
    return [...v].map((ch) => (this.chance(0.5) ? ch.toLowerCase() : ch)).join("");
  }

  private blank(): string {
    return this.chance(0.8) ? " " : this.pick(["  ", "\t", " \t ", "\t\t"]);
  }

  private eol(): string {
    return this.chance(0.85) ? "\r\n" : "\n";
  }

  private token(): string {
    return this.pick(["a", "b", "c", "foo", "bar", "x1"]);
  }

  /** A subscription subject: valid most of the time, with wildcards. */
  subSubject(): string {
    if (this.chance(0.05)) return this.pick(["a..b", ".a", "a.", "a.>.b", ">.a"]);
    const n = 1 + this.int(3);
    const parts: string[] = [];
    for (let i = 0; i < n; i++) parts.push(this.chance(0.2) ? "*" : this.token());
    if (this.chance(0.2)) parts[parts.length - 1] = ">";
    return parts.join(".");
  }

  /** A publish subject: literal most of the time. */
  pubSubject(): string {
    if (this.chance(0.05)) return this.pick(["a.*", "a.>", "a..b", "*"]);
    const n = 1 + this.int(3);
    const parts: string[] = [];
    for (let i = 0; i < n; i++) parts.push(this.token());
    return parts.join(".");
  }

  private payload(): string {
    const n = this.pick([0, 1, 2, 5, 13]);
    let s = "";
    for (let i = 0; i < n; i++) s += this.pick(["x", "y", "\r", "\n", " ", "0"]);
    return s;
  }

  private op(headers: boolean): string {
    const b = () => this.blank();
    switch (this.int(10)) {
      case 0:
      case 1: {
        const q = this.chance(0.3) ? `${b()}q${++this.queue}` : "";
        return `${this.verb("SUB")}${b()}${this.subSubject()}${q}${b()}${++this.sid}${this.eol()}`;
      }
      case 2: {
        const max = this.chance(0.5) ? `${b()}${this.pick(["0", "1", "2", "3", "x"])}` : "";
        return `${this.verb("UNSUB")}${b()}${1 + this.int(Math.max(1, this.sid))}${max}${this.eol()}`;
      }
      case 3:
      case 4:
      case 5: {
        const p = this.payload();
        const reply = this.chance(0.3) ? `${b()}${this.pubSubject()}` : "";
        const size = this.chance(0.05) ? p.length + 1 : p.length;
        return `${this.verb("PUB")}${b()}${this.pubSubject()}${reply}${b()}${size}${this.eol()}${p}\r\n`;
      }
      case 6: {
        if (!headers && !this.chance(0.1)) return `${this.verb("PING")}${this.eol()}`;
        const h = this.pick(["NATS/1.0\r\n\r\n", "NATS/1.0\r\nK: v\r\n\r\n", "NATS/1.0 503\r\n\r\n"]);
        const p = this.payload();
        const reply = this.chance(0.3) ? `${b()}${this.pubSubject()}` : "";
        return `${this.verb("HPUB")}${b()}${this.pubSubject()}${reply}${b()}${h.length}${b()}${h.length + p.length}${this.eol()}${h}${p}\r\n`;
      }
      case 7:
        return `${this.verb("PING")}${this.eol()}`;
      case 8:
        return `${this.verb("PONG")}${this.eol()}`;
      default:
        return this.chance(0.5)
          ? `${this.verb("PING")}${this.eol()}`
          : this.pick(["FOO\r\n", "PUB\r\n", "SUB a\r\n", "+OK\r\n", "MSG a 1 0\r\n\r\n", "CONNECT {\r\n"]);
    }
  }

  /** A CONNECT line (or, now and then, none) with random options. */
  private connect(headers: boolean): string {
    const fields: string[] = [];
    if (this.chance(0.8)) fields.push(`"verbose":${this.chance(0.2)}`);
    if (this.chance(0.8)) fields.push(`"pedantic":${this.chance(0.3)}`);
    if (headers) fields.push('"headers":true');
    if (headers && this.chance(0.5)) fields.push('"no_responders":true');
    if (this.chance(0.2)) fields.push('"echo":false');
    return this.chance(0.9) ? `${this.verb("CONNECT")}${this.blank()}{${fields.join(",")}}${this.eol()}` : "";
  }

  /**
   * A scenario over several connections: each connects with its own options, then random steps of
   * one to three ops each go to random connections. Subjects overlap, so messages cross between them.
   */
  scenario(clients: number, steps: number): { client: number; send: string }[] {
    const headers = Array.from({ length: clients }, () => this.chance(0.5));
    const sids = Array.from({ length: clients }, () => 0);
    const out = headers.map((h, client) => ({ client, send: this.connect(h) }));
    for (let i = 0; i < steps; i++) {
      const client = this.int(clients);
      this.sid = sids[client] ?? 0;
      let send = "";
      for (let n = 1 + this.int(3); n > 0; n--) send += this.op(headers[client] ?? false);
      sids[client] = this.sid;
      out.push({ client, send });
    }
    return out;
  }

  /** One session: an optional CONNECT, some ops, a final PING, split into 1 to 3 writes. */
  session(): string[] {
    this.sid = 0;
    const headers = this.chance(0.5);
    let text = this.connect(headers);
    const n = 1 + this.int(8);
    for (let i = 0; i < n; i++) text += this.op(headers);
    text += "PING\r\n";
    const cuts = new Set<number>();
    const writes = this.int(3);
    for (let i = 0; i < writes; i++) cuts.add(1 + this.int(text.length - 1));
    const offsets = [0, ...[...cuts].sort((x, y) => x - y), text.length];
    const out: string[] = [];
    for (let i = 0; i + 1 < offsets.length; i++) out.push(text.slice(offsets[i], offsets[i + 1]));
    return out;
  }
}
