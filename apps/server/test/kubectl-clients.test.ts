// kubectl 1.32, unmodified, against the built server over TLS with the kubeconfig
// scripts/kubeconfig.mjs writes: version, namespaces, its not-found message outside `default`,
// set-based selectors, and `get -w`.
import { spawn, spawnSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { objectWith } from "./builders.js";
import { installed, startTlsServer, type TlsServer } from "./support/tls-server.js";

const available = installed("openssl", "version") && installed("kubectl", "version", "--client");
const slow = { timeout: 90_000 };

describe.skipIf(!available)("kubectl", slow, () => {
  let tls: TlsServer;
  const kubectl = (...args: string[]) =>
    spawnSync("kubectl", ["--kubeconfig", tls.kubeconfig, ...args], { encoding: "utf8", timeout: 30_000 });
  beforeAll(async () => {
    tls = await startTlsServer();
  }, slow.timeout);
  afterAll(() => tls?.stop(), slow.timeout);

  /** Creates through kubectl itself (`create -f -`), which trusts the kubeconfig's CA. */
  const apply = (name: string, namespace: string, labels: Record<string, string>) => {
    const obj = objectWith("TFJobSeed", { name, namespace, labels });
    const run = spawnSync("kubectl", ["--kubeconfig", tls.kubeconfig, "create", "-f", "-"], {
      input: JSON.stringify(obj),
      encoding: "utf8",
      timeout: 30_000,
    });
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
  };

  test("kubectl version names the server's version", () => {
    const run = kubectl("version", "-o", "json");
    expect(run.status).toBe(0);
    expect(JSON.parse(run.stdout).serverVersion).toMatchObject({
      major: "1",
      minor: "32",
      gitVersion: "v1.32.0-trainjobs",
    });
  });

  test("kubectl get ns lists default and the namespaces that hold objects", () => {
    apply("ns-probe", "team-ns", { team: "t9" });
    const run = kubectl("get", "ns", "-o", "name");
    expect(run.stderr).toBe("");
    expect(run.stdout.trim().split("\n")).toEqual(expect.arrayContaining(["namespace/default", "namespace/team-ns"]));
    const one = kubectl("get", "ns", "team-elsewhere", "-o", "jsonpath={.status.phase}");
    expect(one.stdout).toBe("Active");
  });

  test("a missing object outside default: kubectl names it, not the resource", () => {
    const run = kubectl("get", "tfjob", "missing", "-n", "team-x");
    expect(run.status).toBe(1);
    expect(run.stderr.trim()).toBe('Error from server (NotFound): tfjobs.kubeflow.org "missing" not found');
  });

  test("set-based selectors: -l 'team in (t0,t2)' and notin", () => {
    apply("sel-0", "team-sel", { team: "t0" });
    apply("sel-1", "team-sel", { team: "t1" });
    apply("sel-2", "team-sel", { team: "t2" });
    const inRun = kubectl("get", "tfjobs", "-n", "team-sel", "-l", "team in (t0,t2)", "-o", "name");
    expect(inRun.stderr).toBe("");
    expect(inRun.stdout.trim().split("\n")).toEqual(["tfjob.kubeflow.org/sel-0", "tfjob.kubeflow.org/sel-2"]);
    const notIn = kubectl("get", "tfjobs", "-A", "-l", "team notin (t0,t2),team", "-o", "name");
    expect(notIn.stdout).toContain("tfjob.kubeflow.org/sel-1");
    expect(notIn.stdout).not.toContain("sel-0");
  });

  test("kubectl get tfjobs -w prints an object created while it watches", async () => {
    const child = spawn(
      "kubectl",
      ["--kubeconfig", tls.kubeconfig, "get", "tfjobs", "-n", "team-w", "-w", "-o", "name", "-v=6"],
      {
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (c: string) => (stdout += c));
    try {
      // Wait until the watch is established (kubectl logs the request at -v=6).
      await new Promise<void>((resolve, reject) => {
        child.stderr.setEncoding("utf8").on("data", (c: string) => {
          stderr += c;
          if (/GET \S+watch=true\S* 200 OK/.test(stderr)) resolve();
        });
        child.on("exit", () => reject(new Error(`kubectl exited: ${stderr}`)));
      });
      apply("watched", "team-w", { team: "t0" });
      await new Promise<void>((resolve, reject) => {
        const check = () => {
          if (stdout.includes("tfjob.kubeflow.org/watched")) resolve();
        };
        child.stdout.on("data", check);
        child.on("exit", () => reject(new Error(`kubectl exited: ${stderr}`)));
        check();
      });
      expect(stdout.trim()).toBe("tfjob.kubeflow.org/watched");
    } finally {
      child.kill();
    }
  });
});
