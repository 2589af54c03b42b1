// Typed access to config entries for the loader. Each getter checks the value's type and records a
// positioned error or warning instead of throwing, so one run reports every problem in a file.

import { parseGoDuration } from "./duration.js";
import { describeKind, type ConfigEntry, type ConfigIssue, type ConfigMap, type ConfigValue, type Position } from "./values.js";

export class FieldReader {
  readonly errors: ConfigIssue[] = [];
  readonly warnings: ConfigIssue[] = [];

  error(pos: Position, reason: string): undefined {
    this.errors.push({ pos, reason });
    return undefined;
  }

  warn(pos: Position, reason: string, failsCheck = false): void {
    this.warnings.push(failsCheck ? { pos, reason, failsCheck } : { pos, reason });
  }

  private wrongType(e: ConfigEntry, want: string): undefined {
    return this.error(e.keyPos, `field "${e.key}": expected ${want}, got ${describeKind(e.value)}`);
  }

  /** A key nats-server does not know. Entries used as `$variables` are exempt, as in nats-server. */
  unknown(e: ConfigEntry, reason = `unknown field "${e.key}"`): void {
    if (!e.usedAsVariable) this.error(e.keyPos, reason);
  }

  int(e: ConfigEntry): number | undefined {
    return e.value.kind === "int" ? e.value.value : this.wrongType(e, "integer");
  }

  str(e: ConfigEntry): string | undefined {
    return e.value.kind === "string" ? e.value.value : this.wrongType(e, "string");
  }

  bool(e: ConfigEntry): boolean | undefined {
    return e.value.kind === "bool" ? e.value.value : this.wrongType(e, "boolean");
  }

  map(e: ConfigEntry): ConfigMap | undefined {
    return e.value.kind === "map" ? e.value.entries : this.wrongType(e, "map");
  }

  array(e: ConfigEntry): ConfigValue[] | undefined {
    return e.value.kind === "array" ? e.value.items : this.wrongType(e, "array");
  }

  /** A list of strings, where a single string also counts as a list of one. */
  strings(e: ConfigEntry): string[] | undefined {
    if (e.value.kind === "string") return [e.value.value];
    if (e.value.kind !== "array") return this.wrongType(e, "string or array of strings");
    const out: string[] = [];
    for (const item of e.value.items) {
      if (item.kind !== "string") return this.error(item.pos, `field "${e.key}": expected strings in the array, got ${describeKind(item)}`);
      out.push(item.value);
    }
    return out;
  }

  /** Seconds as an integer or float, or a duration string; returns milliseconds. */
  seconds(e: ConfigEntry): number | undefined {
    const v = e.value;
    if (v.kind === "int" || v.kind === "float") return v.value * 1000;
    if (v.kind === "string") return this.goDuration(e, v.value);
    return this.wrongType(e, "number of seconds or duration");
  }

  /**
   * A duration as nats-server reads ping_interval, write_deadline and the lame duck settings: a
   * string like "2m", or (deprecated, with a warning) an integer number of seconds. Milliseconds.
   */
  duration(e: ConfigEntry): number | undefined {
    const v = e.value;
    if (v.kind === "string") return this.goDuration(e, v.value);
    if (v.kind === "int") {
      this.warn(e.keyPos, `invalid use of field "${e.key}": ${e.key} should be converted to a duration`, true);
      return v.value * 1000;
    }
    return this.wrongType(e, `duration (e.g. "2m")`);
  }

  private goDuration(e: ConfigEntry, s: string): number | undefined {
    try {
      return parseGoDuration(s);
    } catch (err) {
      return this.error(e.keyPos, `error parsing ${e.key}: ${(err as Error).message}`);
    }
  }
}

/** A subject as nats-server's IsValidSubject sees it: no empty tokens, no whitespace, `>` last. */
export function isValidSubject(s: string): boolean {
  if (s === "" || /\s/.test(s)) return false;
  const tokens = s.split(".");
  return tokens.every((t, i) => t !== "" && (t !== ">" || i === tokens.length - 1));
}
