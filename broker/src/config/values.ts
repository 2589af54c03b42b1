// The value tree the config parser produces (every node knows its file, line and column), and
// ConfigError, the one error type the config language and the loader throw.

export interface Position {
  file: string;
  line: number; // 1-based; 0 when the issue is about the file as a whole
  column: number; // 1-based
}

export type ConfigValue =
  | { kind: "string"; value: string; pos: Position }
  | { kind: "int"; value: number; raw: string; pos: Position }
  | { kind: "float"; value: number; raw: string; pos: Position }
  | { kind: "bool"; value: boolean; raw: string; pos: Position }
  | { kind: "datetime"; value: Date; raw: string; pos: Position }
  | { kind: "array"; items: ConfigValue[]; pos: Position }
  | { kind: "map"; entries: ConfigMap; pos: Position };

export interface ConfigEntry {
  key: string; // as written; the loader matches keys case-insensitively, as nats-server does
  keyPos: Position;
  value: ConfigValue;
  /** True when some `$key` reference used this entry: such an entry is a variable, not a setting. */
  usedAsVariable: boolean;
}

export type ConfigMap = Map<string, ConfigEntry>;

/**
 * Formats a position the way nats-server 2.9 prints it. Its lexer counts the column from the
 * newline before the line, so columns on line 1 come out 0-based and all later ones 1-based.
 */
export function formatPosition(p: Position): string {
  if (p.line === 0) return p.file; // about the file as a whole
  return `${p.file}:${p.line}:${p.line === 1 ? p.column - 1 : p.column}`;
}

export interface ConfigIssue {
  pos: Position;
  reason: string;
  /** Set on warnings nats-server itself gives; its `-t` check fails on them, so ours should too. */
  failsCheck?: boolean;
}

/** A config file that cannot be used. `issues` holds every problem found; the message lists them all. */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
  readonly issues: ConfigIssue[];

  constructor(issues: ConfigIssue[] | ConfigIssue) {
    const list = Array.isArray(issues) ? issues : [issues];
    super(list.map((i) => `${formatPosition(i.pos)}: ${i.reason}`).join("\n"));
    this.issues = list;
  }

  get pos(): Position | undefined {
    return this.issues[0]?.pos;
  }
}

export function describeKind(v: ConfigValue): string {
  switch (v.kind) {
    case "int": return "integer";
    case "datetime": return "date";
    default: return v.kind;
  }
}
