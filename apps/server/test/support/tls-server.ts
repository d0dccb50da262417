// The built server as users run it for Kubernetes clients: over HTTPS with a self-signed
// certificate (openssl), its development token, and the kubeconfig scripts/kubeconfig.mjs writes.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type ServerProcess, startServerProcess } from "../../src/testing.js";

const kubeconfigScript = fileURLToPath(new URL("../../scripts/kubeconfig.mjs", import.meta.url));

export interface TlsServer {
  server: ServerProcess;
  url: string;
  dir: string;
  ca: Buffer;
  token: string;
  /** A kubeconfig with the server, its CA and the admin's token. */
  kubeconfig: string;
  stop(): Promise<void>;
}

export function installed(command: string, ...args: string[]): boolean {
  return spawnSync(command, args, { stdio: "ignore" }).status === 0;
}

/** Writes a self-signed certificate for 127.0.0.1 (openssl) as cert.pem and key.pem in `dir`. */
export function selfSignedCertificate(dir: string): Buffer {
  const made = spawnSync(
    "openssl",
    [
      ...["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"],
      ...["-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
      ...["-keyout", join(dir, "key.pem"), "-out", join(dir, "cert.pem")],
    ],
    { encoding: "utf8" },
  );
  if (made.status !== 0) throw new Error(`openssl failed: ${made.stderr}`);
  return readFileSync(join(dir, "cert.pem"));
}

export async function startTlsServer(): Promise<TlsServer> {
  const dir = mkdtempSync(join(tmpdir(), "trainjobs-clients-"));
  const ca = selfSignedCertificate(dir);
  const server = await startServerProcess({
    cwd: dir,
    tls: true,
    ca,
    env: {
      INIT_CWD: dir,
      TLS_CERT_FILE: "cert.pem",
      TLS_KEY_FILE: "key.pem",
      DATABASE_URL: "sqlite::memory:",
      LOG_LEVEL: "warn",
      // The clients' tests see exactly the writes they make (watch event sequences, statuses they
      // replace): no controller writing status beside them (test/controller/ tests it).
      CONTROLLER: "off",
    },
  });
  const token = readFileSync(join(dir, ".data/dev-token"), "utf8").trim();
  const kubeconfig = join(dir, ".data/kubeconfig");
  const run = spawnSync(process.execPath, [kubeconfigScript, "--server", server.url, "--out", kubeconfig], {
    cwd: dir,
    env: { ...process.env, INIT_CWD: dir, TLS_CERT_FILE: "cert.pem" },
    encoding: "utf8",
  });
  if (run.status !== 0) throw new Error(`kubeconfig.mjs failed: ${run.stderr}`);
  return {
    server,
    url: server.url,
    dir,
    ca,
    token,
    kubeconfig,
    stop: async () => {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
