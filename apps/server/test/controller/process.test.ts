// The controller in the real server process, on the real clock: the built server over TLS, a
// TFJob with a two-second simulated run, its status reached (Created, Running, Succeeded), and
// `kubectl wait --for=condition=Succeeded` with a kubeconfig from scripts/kubeconfig.mjs; then
// CONTROLLER=off (no controller at all) and a CONTROLLER value that is neither on nor off.
import { execFile, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import https from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { durationAnnotation, startupAnnotation } from "../../src/controller/simulation.js";
import { type ServerProcess, serverEnvironmentVariables, startServerProcess } from "../../src/testing.js";
import { tfJob } from "../builders.js";
import { selfSignedCertificate } from "../support/tls-server.js";

const run = promisify(execFile);
const kubeconfigScript = fileURLToPath(new URL("../../scripts/kubeconfig.mjs", import.meta.url));
const tfjobs = "/apis/kubeflow.org/v1/namespaces/kube-test/tfjobs";
const baseEnv = Object.fromEntries(
  Object.entries(process.env).filter(([k]) => !serverEnvironmentVariables.includes(k)),
);
const hasTools = ["openssl", "kubectl"].every(
  (c) => spawnSync(c, c === "kubectl" ? ["version", "--client"] : ["version"], { stdio: "ignore" }).error === undefined,
);

let dir: string;
let cert: Buffer;
let server: ServerProcess | undefined;
let token: string;

/** A JSON request over HTTPS, trusting the test's certificate. */
function request(method: string, path: string, body?: unknown): Promise<{ status: number; json: any; text: string }> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      `${server!.url}${path}`,
      {
        method,
        ca: cert,
        agent: false,
        headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8").on("data", (c: string) => {
          text += c;
        });
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            text,
            get json() {
              return text ? JSON.parse(text) : undefined;
            },
          }),
        );
      },
    );
    req.on("error", reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

/** Polls the object until `check` holds (the real clock moves the controller), up to 30 s. */
async function waitForObject(name: string, check: (obj: any) => boolean): Promise<any> {
  const deadline = Date.now() + 30_000;
  let last: any;
  for (;;) {
    last = (await request("GET", `${tfjobs}/${name}`)).json;
    if (check(last)) return last;
    if (Date.now() > deadline) throw new Error(`timed out; last: ${JSON.stringify(last?.status)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const conditionTrue = (obj: any, type: string) =>
  (obj?.status?.conditions ?? []).some((c: any) => c.type === type && c.status === "True");

describe.skipIf(!hasTools)("the controller in the server process", { timeout: 90_000 }, () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "trainjobs-controller-"));
    cert = selfSignedCertificate(dir);
  }, 60_000);

  afterAll(async () => {
    if (server) await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("a TFJob with a two-second simulated run reaches Succeeded; kubectl wait sees it", async () => {
    server = await startServerProcess({
      cwd: dir,
      tls: true,
      ca: cert,
      env: {
        INIT_CWD: dir,
        TLS_CERT_FILE: "cert.pem",
        TLS_KEY_FILE: "key.pem",
        DATABASE_URL: "sqlite:.data/trainjobs.db",
      },
    });
    await server.waitForLog((l) => l.msg === "controller: leading (holds the lease)");
    token = readFileSync(join(dir, ".data/dev-token"), "utf8").trim();

    const kubeconfig = spawnSync(process.execPath, [kubeconfigScript], {
      cwd: dir,
      encoding: "utf8",
      env: { ...baseEnv, INIT_CWD: dir, HOST: "127.0.0.1", PORT: String(server.port), TLS_CERT_FILE: "cert.pem" },
    });
    expect(kubeconfig.status, kubeconfig.stderr).toBe(0);
    const kubectlWait = () =>
      run(
        "kubectl",
        [
          "wait",
          "--for=condition=Succeeded",
          "tfjob/e2e",
          "-n",
          "kube-test",
          "--timeout=30s",
          "--kubeconfig",
          join(dir, ".data/kubeconfig"),
        ],
        { encoding: "utf8", env: { ...baseEnv, HOME: dir } },
      );
    // kubectl wait waits for a change through the server's HTTP watch. Where the server has none
    // yet, the state is polled first and kubectl wait only confirms it.
    const watches = (await request("GET", `${tfjobs}?watch=true&timeoutSeconds=1`)).status === 200;

    const obj = tfJob("e2e");
    obj.metadata.annotations = { [durationAnnotation]: "2", [startupAnnotation]: "0" };
    expect((await request("POST", tfjobs, obj)).status).toBe(201);
    const waiting = watches ? kubectlWait() : undefined;

    const done = await waitForObject("e2e", (o) => conditionTrue(o, "Succeeded"));
    expect(done.status.conditions.map((c: any) => [c.type, c.status, c.reason])).toEqual([
      ["Created", "True", "TFJobCreated"],
      ["Running", "False", "TFJobRunning"],
      ["Succeeded", "True", "TFJobSucceeded"],
    ]);
    expect(done.status.replicaStatuses).toEqual({ PS: {}, Worker: { succeeded: 1 } });
    const ran = Date.parse(done.status.completionTime) - Date.parse(done.status.startTime);
    expect(ran).toBeGreaterThanOrEqual(2_000);

    const wait = await (waiting ?? kubectlWait());
    expect(wait.stdout.trim()).toBe("tfjob.kubeflow.org/e2e condition met");
  });

  it("CONTROLLER=off: no status is written", async () => {
    expect((await server?.stop())?.code).toBe(0);
    server = await startServerProcess({
      cwd: dir,
      tls: true,
      ca: cert,
      env: {
        INIT_CWD: dir,
        TLS_CERT_FILE: "cert.pem",
        TLS_KEY_FILE: "key.pem",
        DATABASE_URL: "sqlite::memory:",
        CONTROLLER: "off",
      },
    });
    token = readFileSync(join(dir, ".data/dev-token"), "utf8").trim();
    const obj = tfJob("off");
    obj.metadata.annotations = { [durationAnnotation]: "0", [startupAnnotation]: "0" };
    expect((await request("POST", tfjobs, obj)).status).toBe(201);
    expect((await request("GET", `${tfjobs}/off`)).json.status).toBeUndefined();
    // Its whole life, through a clean shutdown: the controller was never started.
    expect((await server.stop()).code).toBe(0);
    expect(server.logs().filter((l) => /controller/i.test(l.msg))).toEqual([]);
    server = undefined;
  });

  it("CONTROLLER with another value: the server refuses to start", async () => {
    const refused = await run(process.execPath, [fileURLToPath(new URL("../../dist/main.js", import.meta.url))], {
      cwd: dir,
      env: { ...baseEnv, INIT_CWD: dir, PORT: "0", DATABASE_URL: "sqlite::memory:", CONTROLLER: "maybe" },
    }).then(
      () => undefined,
      (err: { code: number; stdout: string }) => err,
    );
    expect(refused?.code).toBe(1);
    expect(refused?.stdout).toContain('cannot start: CONTROLLER \\"maybe\\" is not on or off');
  });
});
