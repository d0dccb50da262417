// The process as users run it: the built server (`node dist/main.js`, built by turbo's `build`,
// which `test` depends on) in a child process, on a free loopback port, in a temporary directory.
// It checks the environment contract that the README's "Running it" section documents (and
// src/main.ts implements): PORT, HOST, DATABASE_URL, TOKEN_FILE, TLS_CERT_FILE/TLS_KEY_FILE, the
// development token, /readyz, configuration errors, graceful shutdown on SIGTERM; and
// apps/server/scripts/kubeconfig.mjs against a TLS server, with kubectl when it is installed. The process is
// started by @trainjobs/server/testing's spawnServer, as other packages' tests start it.
import { type ChildProcess, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import http from "node:http";
import https from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openStore } from "../src/store/index.js";
import {
  type LogLine,
  type ServerProcess,
  serverEnvironmentVariables,
  serverMainJs,
  spawnServer,
  waitForReady,
} from "../src/testing.js";
import { tfJob } from "./builders.js";

const kubeconfigScript = fileURLToPath(new URL("../scripts/kubeconfig.mjs", import.meta.url));
const tfjobs = "/apis/kubeflow.org/v1/namespaces/kube-test/tfjobs";

/** Our environment without the variables main.ts reads: the tests set them, never inherit them. */
const baseEnv = Object.fromEntries(
  Object.entries(process.env).filter(([k]) => !serverEnvironmentVariables.includes(k)),
);

/** Whether a command is installed: it runs (whatever it answers). */
function installed(command: string, ...args: string[]): boolean {
  return spawnSync(command, args, { stdio: "ignore" }).error === undefined;
}
const hasOpenssl = installed("openssl", "version");
const hasKubectl = installed("kubectl", "version", "--client");

let root: string;
const children = new Set<ChildProcess>();

beforeAll(() => {
  if (!existsSync(serverMainJs))
    throw new Error(`${serverMainJs} is missing: build first (npx turbo run build --filter=@trainjobs/server...)`);
  root = mkdtempSync(join(tmpdir(), "trainjobs-main-"));
});

afterAll(() => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  if (root) rmSync(root, { recursive: true, force: true });
});

/** A fresh directory under the test's root. */
function dir(name: string): string {
  const path = join(root, name);
  mkdirSync(path, { recursive: true });
  return path;
}

interface StartOptions {
  /** INIT_CWD: where relative paths are resolved. */
  initCwd: string;
  /** The process's own cwd; INIT_CWD by default. */
  cwd?: string;
  env?: Record<string, string>;
  tls?: boolean;
}

/** Starts the built server with INIT_CWD (and, by default, its cwd) `initCwd`; killed after the tests. */
async function start(options: StartOptions): Promise<ServerProcess> {
  const child = await spawnServer({
    cwd: options.cwd ?? options.initCwd,
    env: { INIT_CWD: options.initCwd, ...options.env },
    ...(options.tls ? { tls: true } : {}),
  });
  children.add(child.proc);
  return child;
}

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  json(): any;
}

interface RequestOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: unknown;
  /** The CA to trust, for https. */
  ca?: string | Buffer;
  agent?: http.Agent | false;
}

/** One request on its own connection (no pooling, so a stopping server is not held open). */
function request(url: string, options: RequestOptions = {}): Promise<Reply> {
  const target = new URL(url);
  const body = options.body === undefined ? undefined : JSON.stringify(options.body);
  const headers: Record<string, string> = { ...options.headers };
  if (body !== undefined) headers["Content-Type"] ??= "application/json";
  return new Promise<Reply>((resolve, reject) => {
    const callback = (res: http.IncomingMessage) => {
      let text = "";
      res.setEncoding("utf8").on("data", (c: string) => (text += c));
      res.on("end", () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: () => JSON.parse(text) }),
      );
      res.on("error", reject);
    };
    const common = { method: options.method ?? "GET", headers, agent: options.agent ?? false, timeout: 5_000 };
    const req =
      target.protocol === "https:"
        ? https.request(
            target,
            { ...common, ca: options.ca, agent: (options.agent as https.Agent | undefined) ?? false },
            callback,
          )
        : http.request(target, common, callback);
    req.on("timeout", () => req.destroy(new Error(`${url}: timed out`)));
    req.on("error", reject);
    req.end(body);
  });
}

/** Starts the server and waits for its "listening" line, then for /readyz to answer 200. */
async function startReady(options: StartOptions & { ca?: Buffer }): Promise<ServerProcess> {
  const child = await start(options);
  await child.waitForLog((l) => l.msg === "trainjobs server listening");
  await waitForReady(child, options.ca ? { ca: options.ca } : {});
  return child;
}

const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

/** An expected configuration error: exit 1, one fatal line naming the problem, no stack anywhere. */
async function expectConfigError(child: ServerProcess, ...words: string[]): Promise<LogLine> {
  const exit = await child.exited;
  expect(exit.code).toBe(1);
  const fatal = child.logs().filter((l) => l.level === 60);
  expect(fatal).toHaveLength(1);
  const line = fatal[0]!;
  for (const word of words) expect(line.msg).toContain(word);
  expect(line.err?.message).toBeTruthy();
  expect(line.err?.stack).toBeUndefined();
  expect(child.stdout()).not.toMatch(/\n\s+at /);
  expect(child.stderr()).toBe("");
  return line;
}

// Each test starts one or two real processes: on a busy machine a start takes seconds.
const slow = { timeout: 60_000 };

describe("tokens", slow, () => {
  it("without TOKEN_FILE: a development token, printed in the log and written to <INIT_CWD>/.data/dev-token, works as Bearer", async () => {
    const home = dir("devtoken-home");
    const elsewhere = dir("devtoken-cwd"); // the process's cwd: npm start runs in apps/server
    const child = await startReady({ initCwd: home, cwd: elsewhere });

    const tokenFile = join(home, ".data/dev-token");
    expect(existsSync(tokenFile)).toBe(true);
    expect(statSync(tokenFile).mode & 0o777).toBe(0o600);
    expect(existsSync(join(elsewhere, ".data"))).toBe(false);
    const token = readFileSync(tokenFile, "utf8").trim();
    expect(token.length).toBeGreaterThanOrEqual(32);
    expect(child.logs().some((l) => l.msg.includes(token))).toBe(true);
    // The default store is a file under INIT_CWD too.
    const listening = child.logs().find((l) => l.msg === "trainjobs server listening")!;
    expect(listening).toMatchObject({ url: child.url, database: `sqlite:${join(home, ".data/trainjobs.db")}` });
    expect(existsSync(join(home, ".data/trainjobs.db"))).toBe(true);

    const list = await request(`${child.url}${tfjobs}`, { headers: bearer(token) });
    expect(list.status).toBe(200);
    expect(list.json()).toMatchObject({ kind: "TFJobList", items: [] });
    expect((await request(`${child.url}${tfjobs}`, { headers: { "X-Auth-Token": token } })).status).toBe(200);
    const anonymous = await request(`${child.url}${tfjobs}`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.json()).toMatchObject({ kind: "Status", code: 401 });
    expect((await request(`${child.url}${tfjobs}`, { headers: bearer(`${token}x`) })).status).toBe(401);

    expect(await child.stop()).toEqual({ code: 0, signal: null });
    expect(child.stderr()).toBe("");
  });

  it("with TOKEN_FILE only its tokens work, by their groups; sqlite::memory: writes nothing", async () => {
    const home = dir("tokenfile");
    writeFileSync(
      join(home, "tokens.csv"),
      [
        "# token,user,uid,groups",
        'root-token,root,u1,"system:masters"',
        'alice-token,alice,u2,"namespace:kube-test,project:p1"',
        "",
      ].join("\n"),
    );
    const child = await startReady({
      initCwd: home,
      env: { TOKEN_FILE: "tokens.csv", DATABASE_URL: "sqlite::memory:" },
    });
    expect(child.logs().find((l) => l.msg === "trainjobs server listening")).toMatchObject({
      database: "sqlite::memory:",
    });

    expect((await request(`${child.url}${tfjobs}`, { headers: bearer("root-token") })).status).toBe(200);
    expect((await request(`${child.url}${tfjobs}`, { headers: bearer("alice-token") })).status).toBe(200);
    const forbidden = await request(`${child.url}/apis/kubeflow.org/v1/namespaces/team-b/tfjobs`, {
      headers: bearer("alice-token"),
    });
    expect(forbidden.status).toBe(403);
    expect(forbidden.json()).toMatchObject({ kind: "Status", reason: "Forbidden" });
    expect((await request(`${child.url}${tfjobs}`, { headers: bearer("dev-token") })).status).toBe(401);
    // No development token, no database file.
    expect(existsSync(join(home, ".data"))).toBe(false);
    expect(child.logs().some((l) => l.msg.includes("development token"))).toBe(false);

    expect((await child.stop()).code).toBe(0);
  });
});

describe("the store and shutdown", slow, () => {
  it("sqlite:PATH keeps objects across a restart; SIGTERM finishes the in-flight request, exits 0, logs stopped, leaves the file closed and consistent", async () => {
    const home = dir("persist");
    const db = join(home, "data/x.db");
    // Without the controller, whose status writes would move the revision this test checks.
    const env = { DATABASE_URL: `sqlite:${db}`, TOKEN_FILE: "tokens.csv", CONTROLLER: "off" };
    writeFileSync(join(home, "tokens.csv"), 'root-token,root,u1,"system:masters"\n');

    const first = await startReady({ initCwd: home, env });
    const created = await request(`${first.url}${tfjobs}`, {
      method: "POST",
      headers: bearer("root-token"),
      body: tfJob("persisted"),
    });
    expect(created.status).toBe(201);
    const { uid } = created.json().metadata;

    // An idle keep-alive connection, left open: shutdown must not wait for it.
    const keepAlive = new http.Agent({ keepAlive: true });
    expect((await request(`${first.url}/readyz`, { agent: keepAlive })).status).toBe(200);

    // A request whose body is half sent: the server holds it, waiting for the rest. (There is no
    // slow endpoint; a slow client makes an in-flight request as well.)
    const body = Buffer.from(JSON.stringify(tfJob("in-flight")));
    const half = Math.floor(body.length / 2);
    let inFlight: http.ClientRequest | undefined;
    const reply = new Promise<Reply>((resolve, reject) => {
      const headers = {
        ...bearer("root-token"),
        "Content-Type": "application/json",
        "Content-Length": String(body.length),
      };
      inFlight = http.request(`${first.url}${tfjobs}`, { method: "POST", agent: false, headers }, (res) => {
        let text = "";
        res.setEncoding("utf8").on("data", (c: string) => (text += c));
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: () => JSON.parse(text) }),
        );
      });
      inFlight.on("error", reject);
      inFlight.write(body.subarray(0, half));
    });
    await new Promise((r) => setTimeout(r, 200));

    first.proc.kill("SIGTERM");
    await first.waitForLog((l) => l.msg === "shutting down: finishing in-flight requests");
    // No new connections: refused, or reset if it raced into the backlog as the socket closed.
    await expect(request(`${first.url}/readyz`)).rejects.toThrow(/ECONNREFUSED|ECONNRESET/);
    expect(first.proc.exitCode).toBeNull(); // still finishing the request

    inFlight!.end(body.subarray(half));
    const res = await reply;
    expect(res.status).toBe(201);
    expect(res.headers.connection).toBe("close");
    const answeredAt = Date.now();
    expect(await first.stop(3_000)).toEqual({ code: 0, signal: null });
    expect(Date.now() - answeredAt).toBeLessThan(3_000);
    expect(first.logs().at(-1)?.msg).toBe("stopped");
    expect(first.stderr()).toBe("");
    keepAlive.destroy();

    // The store was closed: SQLite checkpointed the WAL into the file and removed it. The file
    // opens and holds both objects, and the revision of the last write.
    expect(existsSync(`${db}-wal`)).toBe(false);
    const store = await openStore(`sqlite:${db}`);
    let revision: number;
    try {
      const stored = await store.get({ resource: "tfjobs.kubeflow.org", namespace: "kube-test", name: "persisted" });
      expect(JSON.parse(stored!.body).metadata.uid).toBe(uid);
      expect(
        await store.get({ resource: "tfjobs.kubeflow.org", namespace: "kube-test", name: "in-flight" }),
      ).toBeDefined();
      revision = await store.revision();
      expect(revision).toBe(Number(res.json().metadata.resourceVersion));
    } finally {
      await store.close();
    }

    const second = await startReady({ initCwd: home, env });
    const read = await request(`${second.url}${tfjobs}/persisted`, { headers: bearer("root-token") });
    expect(read.status).toBe(200);
    expect(read.json().metadata).toMatchObject({
      name: "persisted",
      uid,
      resourceVersion: created.json().metadata.resourceVersion,
    });
    const list = await request(`${second.url}${tfjobs}`, { headers: bearer("root-token") });
    expect(list.json().items.map((i: any) => i.metadata.name)).toEqual(["in-flight", "persisted"]);
    expect(list.json().metadata.resourceVersion).toBe(String(revision));
    expect((await second.stop()).code).toBe(0);
  });

  it.each([
    ["postgres://trainjobs:s3cret@db.example:5432/trainjobs", "postgres"],
    ["sqlite://s3cret/x.db", "sqlite:PATH"],
    ["mysql://root:s3cret@localhost/db", "mysql:"],
  ])("DATABASE_URL=%s exits 1 with one clear fatal line, no stack trace, no password", async (url, word) => {
    const home = dir(`bad-url-${word.replace(/\W/g, "")}`);
    const child = await start({ initCwd: home, env: { DATABASE_URL: url } });
    const line = await expectConfigError(child, "DATABASE_URL", word);
    expect(line.msg).toMatch(/^cannot start: /);
    expect(child.stdout()).not.toContain("s3cret");
    // Refused before any side effect: no development token, no file.
    expect(existsSync(join(home, ".data"))).toBe(false);
  });
});

describe.skipIf(!hasOpenssl)("TLS", slow, () => {
  let tlsDir: string;
  let cert: Buffer;
  let server: ServerProcess;
  let token: string;

  beforeAll(async () => {
    tlsDir = dir("tls");
    const made = spawnSync(
      "openssl",
      // prettier-ignore
      [
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-subj",
        "/CN=127.0.0.1",
        "-addext",
        "subjectAltName=IP:127.0.0.1",
        "-days",
        "1",
        "-keyout",
        join(tlsDir, "key.pem"),
        "-out",
        join(tlsDir, "cert.pem"),
      ],
      { encoding: "utf8" },
    );
    if (made.status !== 0) throw new Error(`openssl failed: ${made.stderr}`);
    cert = readFileSync(join(tlsDir, "cert.pem"));
    // Relative paths, resolved against INIT_CWD.
    server = await startReady({
      initCwd: tlsDir,
      tls: true,
      ca: cert,
      env: { TLS_CERT_FILE: "cert.pem", TLS_KEY_FILE: "key.pem", DATABASE_URL: "sqlite::memory:" },
    });
    token = readFileSync(join(tlsDir, ".data/dev-token"), "utf8").trim();
  }, slow.timeout);

  afterAll(async () => {
    if (server) expect((await server.stop()).code).toBe(0);
  }, slow.timeout);

  it("speaks HTTPS with the certificate, and only HTTPS", async () => {
    expect(server.logs().find((l) => l.msg === "trainjobs server listening")).toMatchObject({ url: server.url });
    const list = await request(`${server.url}${tfjobs}`, { ca: cert, headers: bearer(token) });
    expect(list.status).toBe(200);
    expect(list.json()).toMatchObject({ kind: "TFJobList" });
    // Without the CA the certificate is not trusted.
    await expect(request(`${server.url}/readyz`)).rejects.toThrow(/self[- ]signed/i);
    // Plain HTTP on the same port gets no HTTP answer.
    await expect(request(`http://127.0.0.1:${server.port}/readyz`)).rejects.toThrow();
  });

  it.each([
    [{ TLS_CERT_FILE: "cert.pem" }, "TLS_CERT_FILE"],
    [{ TLS_KEY_FILE: "key.pem" }, "TLS_KEY_FILE"],
  ])("only one of the two TLS variables (%o) exits 1 with a clear message", async (env, set) => {
    const home = dir(`tls-half-${set}`);
    const child = await start({ initCwd: home, env: { ...env, DATABASE_URL: "sqlite:x.db" } });
    const line = await expectConfigError(
      child,
      "TLS_CERT_FILE and TLS_KEY_FILE must be set together",
      `only ${set} is set`,
    );
    expect(line.err?.type).toBe("ConfigError");
    expect(existsSync(join(home, "x.db"))).toBe(false);
    expect(existsSync(join(home, ".data"))).toBe(false);
  });

  it("scripts/kubeconfig.mjs writes a kubeconfig kubectl uses with no flags", async () => {
    // Defaults: the server from HOST/PORT (https, as TLS_CERT_FILE is set), the CA from
    // TLS_CERT_FILE, the token from .data/dev-token, the file .data/kubeconfig, all under INIT_CWD.
    const run = spawnSync(process.execPath, [kubeconfigScript], {
      cwd: root,
      encoding: "utf8",
      env: { ...baseEnv, INIT_CWD: tlsDir, HOST: "127.0.0.1", PORT: String(server.port), TLS_CERT_FILE: "cert.pem" },
    });
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    const file = join(tlsDir, ".data/kubeconfig");
    expect(run.stdout).toContain(`KUBECONFIG=${file} kubectl get tfjobs -A`);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const yaml = readFileSync(file, "utf8");
    expect(yaml).toMatch(/^apiVersion: v1\nkind: Config\n/);
    expect(yaml).toContain(`    server: "${server.url}"\n`);
    expect(yaml).toContain(`    certificate-authority-data: "${cert.toString("base64")}"\n`);
    expect(yaml).toContain(`    token: "${token}"\n`);
    expect(yaml).toContain('\ncurrent-context: "trainjobs"\n');

    // Flags override the defaults.
    const other = join(tlsDir, "other/kubeconfig");
    const flagged = spawnSync(
      process.execPath,
      [
        kubeconfigScript,
        "--server",
        `https://127.0.0.1:${server.port}/`,
        "--ca-file",
        join(tlsDir, "cert.pem"),
        "--token",
        token,
        "--out",
        other,
        "--name",
        "local",
        "--namespace",
        "kube-test",
      ],
      { cwd: root, encoding: "utf8", env: { ...baseEnv, INIT_CWD: dir("elsewhere") } },
    );
    expect(flagged.status).toBe(0);
    const otherYaml = readFileSync(other, "utf8");
    expect(otherYaml).toContain(`    server: "${server.url}"\n`);
    expect(otherYaml).toContain('    namespace: "kube-test"\n');
    expect(otherYaml).toContain('\ncurrent-context: "local"\n');

    // An unknown flag is refused with the usage.
    const bad = spawnSync(process.execPath, [kubeconfigScript, "--sever", "x"], {
      encoding: "utf8",
      env: { ...baseEnv, INIT_CWD: tlsDir },
    });
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain("usage:");

    if (!hasKubectl) return; // the YAML checks above still ran
    const view = spawnSync("kubectl", ["config", "view", "--raw", "-o", "json", "--kubeconfig", file], {
      encoding: "utf8",
    });
    expect(view.status, view.stderr).toBe(0);
    const config = JSON.parse(view.stdout);
    expect(config["current-context"]).toBe("trainjobs");
    expect(config.clusters[0].cluster).toEqual({
      server: server.url,
      "certificate-authority-data": cert.toString("base64"),
    });
    expect(config.users[0].user).toEqual({ token });

    const get = spawnSync("kubectl", ["get", "--raw", "/apis/kubeflow.org/v1", "--kubeconfig", file], {
      encoding: "utf8",
      timeout: 10_000,
    });
    expect(get.status, get.stderr).toBe(0);
    expect(JSON.parse(get.stdout)).toMatchObject({ kind: "APIResourceList", groupVersion: "kubeflow.org/v1" });
  });
});
