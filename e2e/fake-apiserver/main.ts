// Standalone fake API server: `node --import tsx e2e/fake-apiserver/main.ts --port 0 [--crd FILE]...`
// prints its URL and kubeconfig path, then serves until SIGINT/SIGTERM.
import { startFakeApiServer } from "./index.js";

function usage(msg: string): never {
  process.stderr.write(`${msg}\nusage: main.ts [--port N] [--crd FILE]... [--bookmark-interval-ms N]\n`);
  process.exit(2);
}

const args = process.argv.slice(2);
let port = 0;
let bookmarkIntervalMs: number | undefined;
const crds: string[] = [];
for (let i = 0; i < args.length; i++) {
  const a = args[i], v = args[i + 1];
  if (a === "--port" && v !== undefined) { port = Number(v); i++; if (!Number.isInteger(port) || port < 0 || port > 65535) usage(`bad port: ${v}`); }
  else if (a === "--crd" && v !== undefined) { crds.push(v); i++; }
  else if (a === "--bookmark-interval-ms" && v !== undefined) { bookmarkIntervalMs = Number(v); i++; }
  else usage(`unknown argument: ${a ?? ""}`);
}

const srv = await startFakeApiServer({ port, crds, bookmarkIntervalMs });
process.stdout.write(`${srv.url}\nkubeconfig: ${srv.kubeconfigPath}\n`);
const stop = (): void => { void srv.stop().then(() => process.exit(0)); };
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
