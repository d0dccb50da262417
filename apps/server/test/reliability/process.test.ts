// The real process: a start that fails writes nothing; SIGTERM under load finishes what is in
// flight with `Connection: close`, refuses new connections and exits 0 quickly; connection
// timeouts and the connection cap hold; and after kill -9 under write load every acknowledged
// write is there on restart.
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { serverMainJs } from "../../src/testing.js";
import { creatable } from "../seeds.js";
import { freePort, type ServerProcess, send, startServer, token } from "./process.js";

let root: string;
const running = new Set<ServerProcess>();
beforeAll(() => {
  if (!existsSync(serverMainJs)) throw new Error(`${serverMainJs} is missing: build first`);
  root = mkdtempSync(join(tmpdir(), "trainjobs-process-"));
});
afterAll(() => {
  for (const s of running) if (s.proc.exitCode === null && s.proc.signalCode === null) s.proc.kill("SIGKILL");
  rmSync(root, { recursive: true, force: true });
});

let dirs = 0;
function workdir(): { cwd: string; env: Record<string, string> } {
  const dir = mkdtempSync(join(root, `w${++dirs}-`));
  writeFileSync(join(dir, "tokens.csv"), `${token},admin,u-admin,"system:masters"\n`);
  return { cwd: dir, env: { TOKEN_FILE: join(dir, "tokens.csv"), DATABASE_URL: `sqlite:${join(dir, "db", "t.db")}` } };
}

async function start(cwd: string, env: Record<string, string>, port?: number) {
  const s = await startServer(cwd, env, port);
  running.add(s);
  return s;
}

const tfjobs = "/apis/kubeflow.org/v1/namespaces/kube-test/tfjobs";
const tfjob = (name: string) => {
  const obj = creatable("TFJobSeed");
  obj.metadata = { name };
  return obj;
};

test("a start that cannot bind its port writes no database and no development token", async () => {
  const blocker = net.createServer();
  const port = await freePort();
  await new Promise<void>((done) => blocker.listen(port, "127.0.0.1", done));
  try {
    const cwd = mkdtempSync(join(root, "busy-"));
    await expect(startServer(cwd, {}, port)).rejects.toThrow(/the port is in use/);
    expect(readdirSync(cwd)).toEqual([]);
  } finally {
    blocker.close();
  }
});

test("SIGTERM under load: in-flight requests complete with Connection: close, new ones are refused, exit 0 fast", async () => {
  const { cwd, env } = workdir();
  const server = await start(cwd, env);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
  // A request in flight at the signal: its headers and half its body are sent before, the rest
  // once the server says it is shutting down.
  const body = JSON.stringify(tfjob("slow"));
  let finishBody: () => void = () => undefined;
  const slow = new Promise<{ status: number; connection: string | undefined }>((resolve, reject) => {
    const req = http.request(`${server.url}${tfjobs}`, {
      method: "POST",
      agent,
      headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json", "Content-Length": body.length },
    });
    req.on("response", (res) => {
      res.resume();
      res.on("end", () => resolve({ status: res.statusCode ?? 0, connection: res.headers.connection }));
    });
    req.on("error", reject);
    req.write(body.slice(0, 100));
    finishBody = () => req.end(body.slice(100));
  });
  // The server accepts connections in the order they were made: once it answers a request made
  // after this one's, it holds this one too.
  expect((await send(server.url, "GET", "/healthz")).status).toBe(200);
  // And a load of quick writes around the signal.
  const load = Array.from({ length: 40 }, (_, i) =>
    send(server.url, "POST", tfjobs, tfjob(`load-${i}`), { agent }).then(
      (a) => a.status,
      (e: NodeJS.ErrnoException) => e.code ?? "error",
    ),
  );
  server.proc.kill("SIGTERM");
  // The listening socket is closed as the server logs this line: a new connection is refused.
  await server.waitForLog((line) => line.msg.startsWith("shutting down"), 120_000);
  const refused = await send(server.url, "GET", "/healthz").then(
    () => "answered",
    (e: NodeJS.ErrnoException) => e.code,
  );
  expect(["ECONNREFUSED", "ECONNRESET"]).toContain(refused);
  finishBody();
  const answer = await slow;
  expect(answer.status).toBe(201);
  expect(answer.connection).toBe("close");
  const exit = await server.exited;
  expect(exit.code).toBe(0);
  // It exited as its connections drained, not when the grace period cut them.
  expect(server.output()).not.toContain("still open after the grace period");
  // Each write either completed (201) or was refused a connection; none failed half-way with a 5xx.
  for (const status of await Promise.all(load)) expect([201, "ECONNREFUSED", "ECONNRESET"]).toContain(status);
  agent.destroy();
  expect(server.output()).toContain('"stopped"');
});

describe("connection limits", () => {
  /** Resolves, once the server closes the socket, with what it wrote before ("closed" if nothing). */
  function closed(socket: net.Socket): Promise<string> {
    return new Promise((resolve) => {
      let data = "";
      socket.on("data", (c) => (data += c.toString()));
      socket.on("close", () => resolve(data || "closed"));
      socket.on("error", () => undefined);
    });
  }
  const connect = (port: number) =>
    new Promise<net.Socket>((resolve) => {
      const socket = net.connect(port, "127.0.0.1", () => resolve(socket));
      socket.on("error", () => undefined);
    });

  test("headers, request and keep-alive timeouts and the connection cap, from the environment", async () => {
    const { cwd, env } = workdir();
    const server = await start(cwd, {
      ...env,
      HEADERS_TIMEOUT_MS: "400",
      REQUEST_TIMEOUT_MS: "800",
      KEEP_ALIVE_TIMEOUT_MS: "300",
      MAX_CONNECTIONS: "3",
    });
    try {
      // Headers never finished: 408 and closed.
      const partialHeaders = await connect(server.port);
      partialHeaders.write("GET /healthz HTTP/1.1\r\nHost: x\r\n");
      expect(await closed(partialHeaders)).toMatch(/^(HTTP\/1\.1 408|closed)/);
      // A body never finished: closed.
      const partialBody = await connect(server.port);
      partialBody.write(
        `POST ${tfjobs} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{`,
      );
      // (It may be refused 401 first: authentication reads no body.)
      expect(await closed(partialBody)).toMatch(/408 Request Timeout|^closed$/);
      // An idle keep-alive connection: closed after its answer.
      const idle = await connect(server.port);
      idle.write("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
      expect(await closed(idle)).toMatch(/^HTTP\/1\.1 200/);
      // The cap: a fourth connection is closed at once while three are open.
      const held = await Promise.all([connect(server.port), connect(server.port), connect(server.port)]);
      for (const s of held) s.write("GET /healthz HTTP/1.1\r\nHost: x\r\n"); // keep them busy
      const fourth = await connect(server.port);
      expect(await closed(fourth)).toBe("closed");
      for (const s of held) s.destroy();
    } finally {
      server.proc.kill("SIGTERM");
      await server.exited;
    }
  });

  test("a bad limit is refused at start", async () => {
    const { cwd, env } = workdir();
    await expect(startServer(cwd, { ...env, MAX_CONNECTIONS: "many" })).rejects.toThrow(/MAX_CONNECTIONS/);
    await expect(startServer(cwd, { ...env, HEADERS_TIMEOUT_MS: "5000", REQUEST_TIMEOUT_MS: "1000" })).rejects.toThrow(
      /HEADERS_TIMEOUT_MS/,
    );
  });
});

test("kill -9 under write load: every acknowledged write is there after restart", async () => {
  const { cwd, env } = workdir();
  const server = await start(cwd, env);
  const acknowledged = new Map<string, number>(); // name -> last acknowledged generation label
  let stop = false;
  const writer = async (w: number) => {
    for (let i = 0; !stop; i++) {
      const name = `w${w}-${i}`;
      const created = await send(server.url, "POST", tfjobs, tfjob(name)).catch(() => undefined);
      if (created?.status !== 201) continue;
      acknowledged.set(name, 0);
      for (let g = 1; g <= 2 && !stop; g++) {
        const patched = await send(
          server.url,
          "PATCH",
          `${tfjobs}/${name}`,
          { metadata: { labels: { g: String(g) } } },
          { contentType: "application/merge-patch+json" },
        ).catch(() => undefined);
        if (patched?.status === 200) acknowledged.set(name, g);
      }
    }
  };
  const writers = Array.from({ length: 6 }, (_, w) => writer(w));
  // Kill once enough writes were acknowledged (on a busy machine that takes longer), mid-load.
  while (acknowledged.size < 30) await new Promise((r) => setTimeout(r, 20));
  server.proc.kill("SIGKILL");
  stop = true;
  await Promise.all(writers);
  expect((await server.exited).signal).toBe("SIGKILL");
  expect(acknowledged.size, server.output().slice(-2000)).toBeGreaterThanOrEqual(30);

  const again = await start(cwd, env);
  try {
    const list = await send(again.url, "GET", tfjobs);
    expect(list.status).toBe(200);
    const stored = new Map(
      (JSON.parse(list.text).items as { metadata: { name: string; labels?: { g?: string } } }[]).map((o) => [
        o.metadata.name,
        Number(o.metadata.labels?.g ?? 0),
      ]),
    );
    for (const [name, g] of acknowledged) {
      expect(stored.has(name), `${name} was acknowledged`).toBe(true);
      expect(stored.get(name)!, `${name}'s label`).toBeGreaterThanOrEqual(g);
    }
  } finally {
    again.proc.kill("SIGTERM");
    await again.exited;
  }
});
