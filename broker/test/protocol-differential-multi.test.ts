// Differential conformance over several connections: each scenario runs step by step against
// nats-server 2.9 and skein, and every connection's transcript must be identical. Each step is
// followed by a PING, so its PONG shows in the transcript of the client that took the step.
import assert from "node:assert/strict";
import { test } from "node:test";
import { canonical, recordScenario, type ScenarioStep } from "./harness/transcript.js";
import { skipReason, startServer, type RunningServer } from "./harness/servers.js";

const C = 'CONNECT {"verbose":false,"pedantic":false}\r\n';
const CH = 'CONNECT {"verbose":false,"pedantic":false,"headers":true}\r\n';
const CNR = 'CONNECT {"verbose":false,"pedantic":false,"headers":true,"no_responders":true}\r\n';
const HDR = "NATS/1.0\r\nK: v\r\n\r\n"; // 16 bytes

interface Scenario {
  clients: number;
  steps: ScenarioStep[];
}

const s = (client: number, send: string): ScenarioStep => ({ client, send });

const SCENARIOS: Record<string, Scenario> = {
  "echo false on one of two subscribers": {
    clients: 2,
    steps: [s(0, `${C.replace("{", '{"echo":false,')}SUB a 1\r\n`), s(1, `${C}SUB a 1\r\n`), s(0, "PUB a 1\r\nx\r\n"), s(1, "PUB a 1\r\ny\r\n")],
  },
  "HPUB to headers, headers:false, default and never-CONNECTed subscribers": {
    clients: 5,
    steps: [
      s(0, `${CH}SUB a 1\r\n`),
      s(1, `${C.replace("{", '{"headers":false,')}SUB a 2\r\n`),
      s(2, `${C}SUB a 3\r\n`),
      s(3, "SUB a 4\r\n"),
      s(4, `${CH}HPUB a r ${HDR.length} ${HDR.length + 2}\r\n${HDR}hi\r\nHPUB a ${HDR.length} ${HDR.length}\r\n${HDR}\r\n`),
    ],
  },
  "no_responders after the only responder unsubscribed": {
    clients: 2,
    steps: [
      s(0, `${C}SUB svc 1\r\n`),
      s(1, `${CNR}SUB r 1\r\nPUB svc r 1\r\nq\r\n`),
      s(0, "UNSUB 1\r\n"),
      s(1, "PUB svc r 1\r\nq\r\n"),
    ],
  },
  "no_responders after the responder's UNSUB max ran out": {
    clients: 2,
    steps: [
      s(0, `${C}SUB svc 1\r\nUNSUB 1 1\r\n`),
      s(1, `${CNR}SUB r 1\r\nPUB svc r 1\r\nq\r\nPUB svc r 1\r\nq\r\n`),
    ],
  },
  "no_responders after the responder's connection was closed for a protocol error": {
    clients: 2,
    steps: [s(0, `${C}SUB svc 1\r\n`), s(0, "BOGUS\r\n"), s(1, `${CNR}SUB r 1\r\nPUB svc r 1\r\nq\r\n`)],
  },
  "no_responders with a responder on a wildcard": {
    clients: 2,
    steps: [s(0, `${C}SUB svc.* 1\r\n`), s(1, `${CNR}SUB r 1\r\nPUB svc.x r 1\r\nq\r\nPUB svc.x.y r 1\r\nq\r\n`)],
  },
  "no_responders request with headers to a plain responder": {
    clients: 2,
    steps: [s(0, `${C}SUB svc 1\r\n`), s(1, `${CNR}SUB r 1\r\nHPUB svc r ${HDR.length} ${HDR.length + 1}\r\n${HDR}q\r\n`)],
  },
  "reply to a requester's inbox through the server": {
    clients: 2,
    steps: [
      s(0, `${C}SUB svc 1\r\n`),
      s(1, `${CH}SUB _INBOX.me.* 9\r\nPUB svc _INBOX.me.1 3\r\nask\r\n`),
      s(0, "PUB _INBOX.me.1 6\r\nanswer\r\n"),
    ],
  },
  "verbose subscriber sees +OK and MSG interleaved": {
    clients: 2,
    steps: [s(0, "SUB a 1\r\nSUB b 2\r\n"), s(1, `${C}PUB a 1\r\nx\r\nPUB b 1\r\ny\r\n`), s(0, "UNSUB 1\r\n"), s(1, "PUB a 1\r\nz\r\nPUB b 1\r\nw\r\n")],
  },
  "UNSUB max counted across publishers": {
    clients: 3,
    steps: [
      s(0, `${C}SUB a 1\r\nUNSUB 1 3\r\n`),
      s(1, `${C}PUB a 1\r\n1\r\nPUB a 1\r\n2\r\n`),
      s(2, `${C}PUB a 1\r\n3\r\nPUB a 1\r\n4\r\n`),
      s(1, "PUB a 1\r\n5\r\n"),
    ],
  },
  "a closed subscriber's subscriptions are gone": {
    clients: 3,
    steps: [s(0, `${C}SUB a 1\r\nSUB a q 2\r\n`), s(1, `${C}SUB a q 3\r\n`), s(0, "PUB a 999999999\r\n"), s(2, `${C}PUB a 1\r\nx\r\nPUB a 1\r\ny\r\n`)],
  },
  "pedantic publisher, lenient subscriber": {
    clients: 2,
    steps: [s(0, `${C}SUB > 1\r\n`), s(1, 'CONNECT {"verbose":false}\r\nPUB a.* 1\r\nx\r\nPUB a..b 1\r\ny\r\nPUB a.> 1\r\nz\r\n')],
  },
  "HMSG with reply and header-only message": {
    clients: 2,
    steps: [s(0, `${CH}SUB a.> 7\r\n`), s(1, `${CH}HPUB a.b reply.x ${HDR.length} ${HDR.length}\r\n${HDR}\r\n`)],
  },
};

const skip = skipReason("nats-server") ?? skipReason("skein");

test("differential: multi-connection scenarios answer like nats-server", { skip: skip ?? false, timeout: 120_000 }, async (t) => {
  const servers: RunningServer[] = [];
  try {
    const ref = await startServer("nats-server");
    servers.push(ref);
    const ours = await startServer("skein");
    servers.push(ours);
    for (const [name, sc] of Object.entries(SCENARIOS)) {
      await t.test(name, async () => {
        const want = await recordScenario(ref.port, sc.clients, sc.steps);
        const got = await recordScenario(ours.port, sc.clients, sc.steps);
        assert.deepEqual(got.map(canonical), want.map(canonical));
      });
    }
  } finally {
    for (const srv of servers) await srv.stop();
  }
});
