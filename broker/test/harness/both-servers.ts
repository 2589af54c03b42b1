// Declares one test per server kind, so every expectation is checked against the reference
// nats-server as well as skein: a test that fails on nats-server has a wrong expectation.
import { test } from "node:test";
import { RawClient } from "./raw-client.js";
import { SERVER_KINDS, skipReason, startServer, type RunningServer, type ServerKind, type TestServerOptions } from "./servers.js";

export interface ServerTestContext {
  kind: ServerKind;
  server: RunningServer;
  /**
   * A raw client that has read INFO. With `connect` undefined it sends
   * `CONNECT {"verbose":false,"pedantic":false}` (merged with the given fields) and waits for the PONG
   * of a PING; with `connect: null` it sends nothing.
   */
  client(connect?: Record<string, unknown> | null): Promise<RawClient>;
}

export interface BothServersOptions {
  server?: TestServerOptions;
  timeout?: number;
}

export function forBothServers(
  name: string,
  fn: (ctx: ServerTestContext) => Promise<void>,
  opts: BothServersOptions = {},
): void {
  for (const kind of SERVER_KINDS) {
    const skip = skipReason(kind);
    test(`${name} [${kind}]`, { skip: skip ?? false, timeout: opts.timeout ?? 30_000 }, async () => {
      const server = await startServer(kind, opts.server ?? {});
      const clients: RawClient[] = [];
      try {
        await withServerLog(server, () => fn({
          kind,
          server,
          client: async (connect) => {
            const c = await RawClient.connect(server.port, server.host);
            clients.push(c);
            if (connect !== null) {
              c.send(`CONNECT ${JSON.stringify({ verbose: false, pedantic: false, ...connect })}\r\n`);
              const before = await c.flush();
              if (before !== "") throw new Error(`unexpected reply to CONNECT: ${JSON.stringify(before)}`);
            }
            return c;
          },
        }));
      } finally {
        for (const c of clients) c.close();
        await server.stop();
      }
    });
  }
}

/** Runs fn; when it fails, adds the server's last log lines to the error message. */
async function withServerLog(server: RunningServer, fn: () => Promise<void>): Promise<void> {
  try {
    await fn();
  } catch (err) {
    const log = server.log().trim();
    if (err instanceof Error && log !== "") err.message += `\n--- ${server.kind} log (last lines) ---\n${log}`;
    throw err;
  }
}
