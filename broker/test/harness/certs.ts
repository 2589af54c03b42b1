// Certificates made at run time with openssl, for the TLS tests: a CA, a server certificate for
// 127.0.0.1 and localhost (no extended key usage, so it also serves as a route's client
// certificate), a client certificate, and a second CA with a client certificate of its own.
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";

export interface TestCerts {
  ca: string;
  server: string;
  serverKey: string;
  client: string;
  clientKey: string;
  /** A CA that signed neither certificate above. */
  otherCa: string;
  /** A client certificate signed by otherCa. */
  rogueClient: string;
  rogueClientKey: string;
}

function openssl(...args: string[]): void {
  execFileSync("openssl", args, { stdio: "pipe" });
}

/** Why the certificates cannot be made here, or undefined. */
export const opensslSkipReason: string | undefined = (() => {
  try {
    execFileSync("openssl", ["version"], { stdio: "pipe" });
    return undefined;
  } catch {
    return "openssl is not installed";
  }
})();

/** Writes the certificates into dir (valid for one day) and returns their paths. */
export function makeTestCerts(dir: string): TestCerts {
  const f = (n: string): string => join(dir, n);
  for (const ca of ["ca", "other-ca"]) {
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", f(`${ca}-key.pem`), "-out", f(`${ca}.pem`),
      "-subj", `/CN=skein-test-${ca}`, "-days", "1");
  }
  for (const [name, cn, ext, ca] of [
    ["server", "localhost", "subjectAltName=IP:127.0.0.1,DNS:localhost", "ca"],
    ["client", "client", "extendedKeyUsage=clientAuth", "ca"],
    ["rogue-client", "rogue", "extendedKeyUsage=clientAuth", "other-ca"],
  ] as const) {
    writeFileSync(f(`${name}.ext`), `${ext}\n`);
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", f(`${name}-key.pem`), "-out", f(`${name}.csr`), "-subj", `/CN=${cn}`);
    openssl("x509", "-req", "-in", f(`${name}.csr`), "-CA", f(`${ca}.pem`), "-CAkey", f(`${ca}-key.pem`), "-CAcreateserial",
      "-out", f(`${name}.pem`), "-days", "1", "-extfile", f(`${name}.ext`));
  }
  return {
    ca: f("ca.pem"), server: f("server.pem"), serverKey: f("server-key.pem"),
    client: f("client.pem"), clientKey: f("client-key.pem"), otherCa: f("other-ca.pem"),
    rogueClient: f("rogue-client.pem"), rogueClientKey: f("rogue-client-key.pem"),
  };
}
