// The subscription index: a trie of subject tokens with separate '*' and '>' slots per level, queue
// groups kept apart from plain subscribers, and a bounded cache of match results. A generation
// counter changes on every insert and remove, so callers can keep their own one-entry caches.

import { subjectMatches } from "./subject.js";

export interface Subscribable {
  readonly subject: string;
  readonly queue: string | null;
}

export interface MatchResult<T> {
  /** Plain subscribers. */
  readonly psubs: readonly T[];
  /** One array of members per queue group. */
  readonly qsubs: readonly (readonly T[])[];
}

class Node<T> {
  next: Level<T> | null = null;
  psubs: T[] = [];
  qsubs: Map<string, T[]> | null = null;

  isEmpty(): boolean {
    return this.psubs.length === 0 && (this.qsubs === null || this.qsubs.size === 0) &&
      (this.next === null || this.next.isEmpty());
  }
}

class Level<T> {
  nodes = new Map<string, Node<T>>();
  pwc: Node<T> | null = null; // '*'
  fwc: Node<T> | null = null; // '>'

  isEmpty(): boolean {
    return this.nodes.size === 0 && this.pwc === null && this.fwc === null;
  }
}

const CACHE_MAX = 1024;
const CACHE_SWEEP_TO = 256;

export class Sublist<T extends Subscribable> {
  /** Changes on every insert and remove. */
  genid = 0;
  private readonly root = new Level<T>();
  private readonly cache = new Map<string, MatchResult<T>>();
  private readonly empty: MatchResult<T> = { psubs: [], qsubs: [] };
  private count = 0;
  matches = 0;
  cacheHits = 0;
  inserts = 0;
  removes = 0;

  get size(): number {
    return this.count;
  }

  get cacheSize(): number {
    return this.cache.size;
  }

  insert(sub: T): void {
    let level = this.root;
    let node: Node<T> | null = null;
    for (const tok of sub.subject.split(".")) {
      if (tok === "*") node = level.pwc ??= new Node<T>();
      else if (tok === ">") node = level.fwc ??= new Node<T>();
      else {
        node = level.nodes.get(tok) ?? null;
        if (node === null) level.nodes.set(tok, (node = new Node<T>()));
      }
      level = node.next ??= new Level<T>();
    }
    const n = node!;
    if (sub.queue === null) n.psubs.push(sub);
    else {
      const groups = (n.qsubs ??= new Map());
      const members = groups.get(sub.queue);
      if (members) members.push(sub);
      else groups.set(sub.queue, [sub]);
    }
    this.count++;
    this.inserts++;
    this.changed(sub.subject);
  }

  /** Removes the subscription; returns false when it was not there. */
  remove(sub: T): boolean {
    const path: { level: Level<T>; tok: string; node: Node<T> }[] = [];
    let level: Level<T> | null = this.root;
    for (const tok of sub.subject.split(".")) {
      if (level === null) return false;
      const node: Node<T> | null = tok === "*" ? level.pwc : tok === ">" ? level.fwc : level.nodes.get(tok) ?? null;
      if (node === null) return false;
      path.push({ level, tok, node });
      level = node.next;
    }
    const last = path[path.length - 1];
    if (!last) return false;
    const n = last.node;
    if (sub.queue === null) {
      const k = n.psubs.indexOf(sub);
      if (k < 0) return false;
      n.psubs.splice(k, 1);
    } else {
      const members = n.qsubs?.get(sub.queue);
      const k = members ? members.indexOf(sub) : -1;
      if (!members || k < 0) return false;
      members.splice(k, 1);
      if (members.length === 0) n.qsubs!.delete(sub.queue);
    }
    // Prune empty nodes from the leaf up.
    for (let k = path.length - 1; k >= 0; k--) {
      const { level: lv, tok, node } = path[k]!;
      if (node.next !== null && node.next.isEmpty()) node.next = null;
      if (!node.isEmpty()) break;
      if (tok === "*") lv.pwc = null;
      else if (tok === ">") lv.fwc = null;
      else lv.nodes.delete(tok);
    }
    this.count--;
    this.removes++;
    this.changed(sub.subject);
    return true;
  }

  /** All subscriptions whose subject matches the literal subject. Empty tokens match nothing. */
  match(subject: string): MatchResult<T> {
    this.matches++;
    const cached = this.cache.get(subject);
    if (cached !== undefined) {
      this.cacheHits++;
      return cached;
    }
    const tokens = subject.split(".");
    for (const t of tokens) if (t.length === 0) return this.empty;
    const psubs: T[] = [];
    const qmap = new Map<string, T[]>();
    matchLevel(this.root, tokens, 0, psubs, qmap);
    const result: MatchResult<T> = psubs.length === 0 && qmap.size === 0
      ? this.empty
      : { psubs, qsubs: [...qmap.values()] };
    this.cache.set(subject, result);
    if (this.cache.size > CACHE_MAX) this.sweep();
    return result;
  }

  /** Every subscription, for monitoring and route replay. */
  all(): T[] {
    const out: T[] = [];
    collect(this.root, out);
    return out;
  }

  private changed(subject: string): void {
    this.genid++;
    if (this.cache.size === 0) return;
    // Drop only the cached results the change can affect.
    if (!subject.includes("*") && !subject.includes(">")) {
      this.cache.delete(subject);
      return;
    }
    for (const key of this.cache.keys()) if (subjectMatches(subject, key)) this.cache.delete(key);
  }

  private sweep(): void {
    let drop = this.cache.size - CACHE_SWEEP_TO;
    for (const key of this.cache.keys()) {
      if (drop-- <= 0) break;
      this.cache.delete(key);
    }
  }
}

function addNode<T extends Subscribable>(node: Node<T>, psubs: T[], qmap: Map<string, T[]>): void {
  for (const s of node.psubs) psubs.push(s);
  if (node.qsubs === null) return;
  for (const [q, members] of node.qsubs) {
    const acc = qmap.get(q);
    if (acc) for (const m of members) acc.push(m);
    else qmap.set(q, members.slice());
  }
}

function matchLevel<T extends Subscribable>(level: Level<T>, tokens: string[], i: number, psubs: T[], qmap: Map<string, T[]>): void {
  // nats-server's order: '>' first, then the '*' branch, then the literal one; at the last token the
  // literal node comes before the '*' node.
  const last = i === tokens.length - 1;
  if (level.fwc !== null) addNode(level.fwc, psubs, qmap);
  if (level.pwc !== null && !last && level.pwc.next !== null) matchLevel(level.pwc.next, tokens, i + 1, psubs, qmap);
  const node = level.nodes.get(tokens[i]!);
  if (node !== undefined) {
    if (last) addNode(node, psubs, qmap);
    else if (node.next !== null) matchLevel(node.next, tokens, i + 1, psubs, qmap);
  }
  if (level.pwc !== null && last) addNode(level.pwc, psubs, qmap);
}

function collect<T extends Subscribable>(level: Level<T>, out: T[]): void {
  const visit = (n: Node<T>): void => {
    for (const s of n.psubs) out.push(s);
    if (n.qsubs) for (const m of n.qsubs.values()) for (const s of m) out.push(s);
    if (n.next) collect(n.next, out);
  };
  for (const n of level.nodes.values()) visit(n);
  if (level.pwc) visit(level.pwc);
  if (level.fwc) visit(level.fwc);
}
