// A user's publish and subscribe permissions, as nats-server applies them: deny wins over allow, an
// absent allow list allows everything, subscribe entries may name a queue ("subject queue"), and
// allow_responses lets a client publish to the reply subjects of requests it received.

import type { ResponsePermission, SubjectPermission, UserPermissions } from "../options.js";
import { subjectMatches } from "../subjects/subject.js";

interface Rule {
  subject: string;
  queue: string | null;
}

const CACHE_MAX = 1024;

function rules(list: string[] | undefined): Rule[] | null {
  if (!list || list.length === 0) return null;
  return list.map((e) => {
    const [subject = "", queue] = e.trim().split(/\s+/);
    return { subject, queue: queue ?? null };
  });
}

function queueMatches(pattern: string, queue: string): boolean {
  return subjectMatches(pattern, queue);
}

class SubjectRules {
  readonly allow: Rule[] | null;
  readonly deny: Rule[] | null;
  constructor(p: SubjectPermission | null) {
    this.allow = rules(p?.allow);
    this.deny = rules(p?.deny);
  }
}

export class Permissions {
  private readonly pub: SubjectRules;
  private readonly sub: SubjectRules;
  readonly response: ResponsePermission | null;
  private readonly pubCache = new Map<string, boolean>();
  /** Reply subjects this client may answer (allow_responses): remaining uses and expiry. */
  private replies: Map<string, { left: number; until: number }> | null = null;

  constructor(p: UserPermissions) {
    this.pub = new SubjectRules(p.publish);
    this.sub = new SubjectRules(p.subscribe);
    this.response = p.response;
  }

  /** Whether the static rules let the client publish to this subject (safe to cache). */
  allowsPublish(subject: string): boolean {
    let ok = this.pubCache.get(subject);
    if (ok === undefined) {
      ok = this.check(this.pub, subject, null);
      if (this.pubCache.size >= CACHE_MAX) this.pubCache.clear();
      this.pubCache.set(subject, ok);
    }
    return ok;
  }

  /** Whether the client may publish to this subject now; a response permission is used up. */
  canPublish(subject: string): boolean {
    if (this.allowsPublish(subject)) return true;
    return this.replies !== null && this.useReply(subject);
  }

  /** Whether the client may subscribe to this subject (and queue). */
  canSubscribe(subject: string, queue: string | null): boolean {
    return this.check(this.sub, subject, queue);
  }

  /** A wildcard subscription may be allowed while some of the subjects it covers are denied: those
   * messages are not delivered. */
  deliveryDenied(subject: string): boolean {
    const deny = this.sub.deny;
    if (deny === null) return false;
    for (const r of deny) if (r.queue === null && subjectMatches(r.subject, subject)) return true;
    return false;
  }

  get hasSubDeny(): boolean {
    return this.sub.deny !== null;
  }

  /** A request with this reply subject was delivered to the client. */
  allowReply(reply: string): void {
    const r = this.response;
    if (r === null) return;
    this.replies ??= new Map();
    this.replies.set(reply, { left: r.maxMsgs > 0 ? r.maxMsgs : 1, until: r.expires > 0 ? Date.now() + r.expires : 0 });
  }

  private useReply(subject: string): boolean {
    const e = this.replies!.get(subject);
    if (e === undefined) return false;
    if (e.until !== 0 && Date.now() > e.until) {
      this.replies!.delete(subject);
      return false;
    }
    if (--e.left <= 0) this.replies!.delete(subject);
    return true;
  }

  private check(rules: SubjectRules, subject: string, queue: string | null): boolean {
    if (rules.allow !== null) {
      let allowed = false;
      for (const r of rules.allow) {
        if (!subjectMatches(r.subject, subject)) continue;
        if (r.queue !== null && (queue === null || !queueMatches(r.queue, queue))) continue;
        allowed = true;
        break;
      }
      if (!allowed) return false;
    }
    if (rules.deny !== null) {
      for (const r of rules.deny) {
        if (!subjectMatches(r.subject, subject)) continue;
        if (r.queue === null || (queue !== null && queueMatches(r.queue, queue))) return false;
      }
    }
    return true;
  }
}
