// kubectl 1.32, unmodified, against the built server over TLS with the kubeconfig that
// scripts/kubeconfig.mjs writes: first the root README's walk-through, its commands read from the
// README and run as written; then what else kubectl does with its defaults (apply twice, edit,
// diff, explain, replace --subresource=status, strategic merge and JSON patches, set image).
import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort, type ServerProcess, serverEnvironmentVariables, startServerProcess } from "../src/testing.js";

const repoRoot = fileURLToPath(new URL("../../../", import.meta.url));
const kubeconfigScript = fileURLToPath(new URL("../scripts/kubeconfig.mjs", import.meta.url));

function installed(command: string, ...args: string[]): boolean {
  return spawnSync(command, args, { stdio: "ignore" }).error === undefined;
}
const ready = installed("kubectl", "version", "--client") && installed("openssl", "version");

/** The README's kubectl walk-through: the lines of the ```sh block after "With kubectl". */
function readmeWalkthrough(): string[] {
  const readme = readFileSync(join(repoRoot, "README.md"), "utf8");
  const from = readme.indexOf("With kubectl");
  const block = /```sh\n([\s\S]*?)```/.exec(readme.slice(from));
  if (from < 0 || !block) throw new Error("README.md has no kubectl walk-through");
  return block[1]!
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "");
}

/** A line without its trailing `# comment`. */
const command = (line: string) => line.replace(/\s+#.*$/, "");

/** The setup steps the test performs itself (a server process, the kubeconfig), as the README writes them. */
const setup = [
  "openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 -keyout tls.key -out tls.crt",
  "TLS_CERT_FILE=tls.crt TLS_KEY_FILE=tls.key PORT=8443 npm start",
  "TLS_CERT_FILE=tls.crt PORT=8443 npm run kubeconfig",
  "export KUBECONFIG=.data/kubeconfig",
];

describe.skipIf(!ready)("kubectl, unmodified", { timeout: 120_000 }, () => {
  const lines = readmeWalkthrough();
  let home: string;
  let server: ServerProcess;
  const baseEnv = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !serverEnvironmentVariables.includes(k) && k !== "KUBECONFIG"),
  );

  /** An editor for `kubectl edit`: adds a label `edited: "true"` beside `app:` in metadata.labels. */
  function editor(): string {
    const path = join(home, "editor.sh");
    writeFileSync(path, `#!/bin/sh\nsed -i 's/^\\(    app: .*\\)$/\\1\\n    edited: "true"/' "$1"\n`);
    chmodSync(path, 0o755);
    return path;
  }

  /** Runs a shell command line in the walk-through's directory, as a user would type it. */
  function sh(line: string, env: Record<string, string> = {}) {
    const run = spawnSync("sh", ["-c", line], {
      cwd: home,
      encoding: "utf8",
      // HOME: kubectl's discovery and OpenAPI cache (~/.kube/cache) belongs to this test alone.
      env: { ...baseEnv, HOME: home, KUBECONFIG: ".data/kubeconfig", EDITOR: join(home, "editor.sh"), ...env },
      timeout: 60_000,
    });
    return { status: run.status, stdout: run.stdout, stderr: run.stderr, out: `${run.stdout}${run.stderr}` };
  }

  function ok(line: string, env: Record<string, string> = {}): string {
    const run = sh(line, env);
    expect({ line, status: run.status, stderr: run.stderr }).toEqual({ line, status: 0, stderr: "" });
    return run.stdout;
  }

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), "trainjobs-kubectl-"));
    symlinkSync(join(repoRoot, "examples"), join(home, "examples"));
    editor();
    expect(lines.slice(0, setup.length).map(command)).toEqual(setup);
    // The README's own certificate command, then the server and the kubeconfig as `npm start` and
    // `npm run kubeconfig` run them from this directory (INIT_CWD), on a free port for 8443.
    const made = sh(command(lines[0]!));
    expect(made.status, made.stderr).toBe(0);
    const port = String(await freePort());
    server = await startServerProcess({
      cwd: home,
      tls: true,
      ca: readFileSync(join(home, "tls.crt")),
      env: { INIT_CWD: home, TLS_CERT_FILE: "tls.crt", TLS_KEY_FILE: "tls.key", PORT: port },
    });
    const kubeconfig = spawnSync(process.execPath, [kubeconfigScript], {
      cwd: home,
      encoding: "utf8",
      env: { ...baseEnv, INIT_CWD: home, TLS_CERT_FILE: "tls.crt", PORT: port },
    });
    expect(kubeconfig.status, kubeconfig.stderr).toBe(0);
  }, 120_000);

  afterAll(async () => {
    if (server) expect((await server.stop()).code).toBe(0);
    if (home) rmSync(home, { recursive: true, force: true });
  });

  it("runs the README's walk-through as written", () => {
    const commands = lines.slice(setup.length).map(command);
    expect(commands.length).toBeGreaterThan(5);
    const outputs = commands.map((line) => {
      expect(line).toMatch(/^kubectl /);
      return [line, ok(line)] as const;
    });
    const out = (prefix: string) => outputs.find(([line]) => line.startsWith(prefix))?.[1] ?? "";
    expect(out("kubectl apply")).toBe("tfjob.kubeflow.org/mnist created\njob.batch/pi created\n");
    // STATE (and the Job's DURATION, from its startTime): what the controller, on by default, has
    // written by then, or nothing yet.
    expect(out("kubectl get tfjobs -A")).toMatch(
      /^NAMESPACE\s+NAME\s+STATE\s+AGE\nkube-test\s+mnist\s+(?:(?:Created|Running)\s+)?\d+[smh]\S*\n$/,
    );
    expect(out("kubectl -n kube-test get jobs -o wide")).toMatch(
      /^NAME\s+STATUS\s+COMPLETIONS\s+DURATION\s+AGE\s+CONTAINERS\s+IMAGES\s+SELECTOR\npi\s+Running\s+0\/1\s+(?:\d+[smh]\S*\s+)?\d+[smh]\S*\s+pi\s+perl:5\.34\s+controller-uid=[0-9a-f-]{36}\n$/,
    );
    expect(out("kubectl explain tfjob.spec")).toMatch(/KIND:\s+TFJob[\s\S]*tfReplicaSpecs\s+<Object> -required-/);
    expect(out("kubectl -n kube-test patch tfjob")).toBe("tfjob.kubeflow.org/mnist patched\n");
    expect(out("kubectl -n kube-test patch job")).toBe("job.batch/pi patched\n");
    expect(out("kubectl -n kube-test edit job")).toBe("job.batch/pi edited\n");
    expect(out("kubectl -n kube-test delete tfjob")).toBe('tfjob.kubeflow.org "mnist" deleted\n');
    // What the patch and the edit changed, through kubectl's strategic merge patches.
    const labels = JSON.parse(ok("kubectl -n kube-test get job pi -o jsonpath='{.metadata.labels}'"));
    expect(labels).toEqual({ app: "pi", edited: "true", tier: "batch" });
  });

  it("explains a Job's pod template, from the spec's schemas", () => {
    const text = ok("kubectl explain job.spec.template");
    expect(text).toMatch(/KIND:\s+Job\nVERSION:\s+v1/);
    expect(text).toMatch(/FIELD: template <PodTemplateSpec>/);
    expect(text).toMatch(/spec\s+<PodSpec>/);
    expect(ok("kubectl explain job.spec.template.spec.containers.ports")).toMatch(
      /containerPort\s+<integer> -required-/,
    );
  });

  it("applies a changed file again (merge patch for a TFJob, strategic merge patch for a Job)", () => {
    writeFileSync(
      join(home, "tfjob2.yaml"),
      readFileSync(join(home, "examples/kubectl/tfjob.yaml"), "utf8")
        .replace("name: mnist", "name: mnist2")
        .replace("spec:\n", "spec:\n  activeDeadlineSeconds: 300\n"),
    );
    expect(ok("kubectl apply -f tfjob2.yaml")).toBe("tfjob.kubeflow.org/mnist2 created\n");
    writeFileSync(join(home, "tfjob2.yaml"), readFileSync(join(home, "tfjob2.yaml"), "utf8").replace("300", "900"));
    expect(ok("kubectl apply -f tfjob2.yaml")).toBe("tfjob.kubeflow.org/mnist2 configured\n");
    expect(ok("kubectl -n kube-test get tfjob mnist2 -o jsonpath='{.spec.activeDeadlineSeconds}'")).toBe("900");

    const job = readFileSync(join(home, "examples/kubectl/job.yaml"), "utf8").replace("name: pi\n", "name: pi2\n");
    writeFileSync(join(home, "job2.yaml"), job);
    expect(ok("kubectl apply -f job2.yaml")).toBe("job.batch/pi2 created\n");
    expect(ok("kubectl apply -f job2.yaml")).toBe("job.batch/pi2 unchanged\n");
    writeFileSync(
      join(home, "job2.yaml"),
      job
        .replace("app: pi\n", "app: pi\n    stage: two\n")
        .replace("parallelism: 1", "parallelism: 1\n  activeDeadlineSeconds: 60"),
    );
    // kubectl diff: a server-side dry run of the same strategic merge patch.
    const diff = sh("kubectl diff -f job2.yaml");
    expect(diff.status).toBe(1);
    expect(diff.stdout).toMatch(/^\+ {4}stage: two$/m);
    expect(ok("kubectl apply -f job2.yaml")).toBe("job.batch/pi2 configured\n");
    const applied = JSON.parse(ok("kubectl -n kube-test get job pi2 -o json"));
    expect(applied.metadata.labels).toEqual({ app: "pi", stage: "two" });
    expect(applied.spec.activeDeadlineSeconds).toBe(60);
    expect(applied.metadata.generation).toBe(2);
    // The label removed from the file is removed from the Job (the three-way patch sends null).
    writeFileSync(join(home, "job2.yaml"), job);
    expect(ok("kubectl apply -f job2.yaml")).toBe("job.batch/pi2 configured\n");
    expect(JSON.parse(ok("kubectl -n kube-test get job pi2 -o jsonpath='{.metadata.labels}'"))).toEqual({ app: "pi" });
  });

  it("edits a TFJob with $EDITOR (a merge patch of a label)", () => {
    ok("kubectl apply -f examples/kubectl/tfjob.yaml");
    expect(ok("kubectl -n kube-test edit tfjob mnist")).toBe("tfjob.kubeflow.org/mnist edited\n");
    expect(JSON.parse(ok("kubectl -n kube-test get tfjob mnist -o jsonpath='{.metadata.labels}'"))).toEqual({
      app: "mnist",
      edited: "true",
    });
  });

  it("replaces a TFJob's status with --subresource=status, and get shows its State", () => {
    ok("kubectl apply -f examples/kubectl/tfjob.yaml");
    const obj = JSON.parse(ok("kubectl -n kube-test get tfjob mnist -o json"));
    const at = "2026-01-01T00:00:00Z";
    const condition = (type: string) => ({
      type,
      status: "True",
      reason: `TFJob${type}`,
      message: `TFJob mnist is ${type.toLowerCase()}.`,
      lastUpdateTime: at,
      lastTransitionTime: at,
    });
    obj.status = {
      conditions: [condition("Created"), condition("Running")],
      replicaStatuses: { Worker: { active: 2 } },
    };
    writeFileSync(join(home, "status.json"), JSON.stringify(obj));
    expect(ok("kubectl replace --subresource=status -f status.json")).toBe("tfjob.kubeflow.org/mnist replaced\n");
    expect(ok("kubectl -n kube-test get tfjobs")).toMatch(/^NAME\s+STATE\s+AGE\nmnist\s+Running\s+\d+[smh]/);
  });

  it("patches a Job's status with strategic merge patches: conditions merge by type", () => {
    ok("kubectl apply -f examples/kubectl/job.yaml");
    const at = "2026-01-01T00:00:00Z";
    ok(
      `kubectl -n kube-test patch job pi --subresource=status -p '{"status":{"startTime":"${at}","active":1,"conditions":[{"type":"SuccessCriteriaMet","status":"True","lastProbeTime":"${at}","lastTransitionTime":"${at}"}]}}'`,
    );
    ok(
      `kubectl -n kube-test patch job pi --subresource=status -p '{"status":{"completionTime":"2026-01-01T00:00:42Z","succeeded":1,"active":null,"conditions":[{"type":"Complete","status":"True","lastProbeTime":"${at}","lastTransitionTime":"${at}"}]}}'`,
    );
    const status = JSON.parse(ok("kubectl -n kube-test get job pi -o jsonpath='{.status}'"));
    expect(status.conditions.map((c: { type: string }) => c.type)).toEqual(["SuccessCriteriaMet", "Complete"]);
    expect(status.active).toBeUndefined();
    expect(ok("kubectl -n kube-test get job pi")).toMatch(
      /^NAME\s+STATUS\s+COMPLETIONS\s+DURATION\s+AGE\npi\s+Complete\s+1\/1\s+42s\s+/,
    );
  });

  it("set image on a Job is refused: its template is immutable (422, kubectl shows why)", () => {
    ok("kubectl apply -f examples/kubectl/job.yaml");
    const run = sh("kubectl -n kube-test set image job/pi pi=perl:5.36");
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain('Job.batch "pi" is invalid: spec.template: Invalid value: field is immutable');
    expect(ok("kubectl -n kube-test get job pi -o jsonpath='{.spec.template.spec.containers[0].image}'")).toBe(
      "perl:5.34",
    );
  });

  it("JSON Patch a Job (--type json): applied in order; a failed test changes nothing", () => {
    ok("kubectl apply -f examples/kubectl/job.yaml");
    ok(
      `kubectl -n kube-test patch job pi --type json -p '[{"op":"add","path":"/metadata/labels/tier","value":"batch"},{"op":"replace","path":"/spec/parallelism","value":2}]'`,
    );
    const run = sh(
      `kubectl -n kube-test patch job pi --type json -p '[{"op":"remove","path":"/metadata/labels/tier"},{"op":"test","path":"/spec/parallelism","value":3}]'`,
    );
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain("testing value /spec/parallelism failed");
    const job = JSON.parse(ok("kubectl -n kube-test get job pi -o json"));
    expect(job.metadata.labels.tier).toBe("batch");
    expect(job.spec.parallelism).toBe(2);
  });

  it("a Kubeflow kind still refuses a strategic merge patch (415), as for any custom resource", () => {
    ok("kubectl apply -f examples/kubectl/tfjob.yaml");
    const run = sh(`kubectl -n kube-test patch tfjob mnist -p '{"metadata":{"labels":{"x":"y"}}}'`);
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain("accepted media types include: application/merge-patch+json");
  });
});
