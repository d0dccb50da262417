// Debian's Python `kubernetes` client (22.6, for /usr/bin/python3), unmodified, against the built
// server over TLS: a set-based selector, watch streams, a typed Job, and the dynamic client (what
// Ansible's kubernetes.core builds on), which needs /version and discovery.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { installed, startTlsServer, type TlsServer } from "./support/tls-server.js";

const python = "/usr/bin/python3";
const script = fileURLToPath(new URL("./clients/python_client.py", import.meta.url));
const available = installed("openssl", "version") && installed(python, "-c", "import kubernetes");
const slow = { timeout: 90_000 };

describe.skipIf(!available)("the Python kubernetes client", slow, () => {
  let tls: TlsServer;
  beforeAll(async () => (tls = await startTlsServer()), slow.timeout);
  afterAll(() => tls?.stop(), slow.timeout);

  test("lists with a set-based selector, watches, creates a typed Job, and starts the dynamic client", () => {
    const run = spawnSync(python, [script, tls.kubeconfig, "python"], { encoding: "utf8", timeout: 60_000 });
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({
      selected: ["py-0", "py-2"],
      watched: [["ADDED", "py-new"]],
      initial: [["ADDED", "py-1"]],
      job: ["batch/v1", "Job", "py-job"],
      version: "v1.32.0-trainjobs",
      dynamic: ["py-0", "py-2", "py-new"],
      namespace: ["python", "Active"],
    });
  });
});
