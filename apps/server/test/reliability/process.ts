// The built server (`node dist/main.js`) as a child process, for the reliability tests that need
// a real process: kill -9, SIGTERM under load, start failures, connection limits.
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import http from "node:http";
import net, { type AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";

export const mainJs = fileURLToPath(new URL("../../dist/main.js", import.meta.url));
export const token = "reliability-token";

const contract = [
  "PORT",
  "HOST",
  "DATABASE_URL",
  "TOKEN_FILE",
  "TLS_CERT_FILE",
  "TLS_KEY_FILE",
  "LOG_LEVEL",
  "INIT_CWD",
  "HEADERS_TIMEOUT_MS",
  "REQUEST_TIMEOUT_MS",
  "KEEP_ALIVE_TIMEOUT_MS",
  "MAX_CONNECTIONS",
];
const baseEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !contract.includes(k)));

export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((done) => server.close(() => done()));
  return port;
}

export interface ServerProcess {
  proc: ChildProcess;
  port: number;
  url: string;
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts the server; resolves once it logs `listening` (or rejects with its output if it exits). */
export async function startServer(
  cwd: string,
  env: Record<string, string> = {},
  port?: number,
): Promise<ServerProcess> {
  if (!existsSync(mainJs)) throw new Error(`${mainJs} is missing: build first`);
  const chosen = port ?? (await freePort());
  const proc = spawn(process.execPath, [mainJs], {
    cwd,
    env: { ...baseEnv, HOST: "127.0.0.1", PORT: String(chosen), INIT_CWD: cwd, LOG_LEVEL: "info", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  proc.stdout!.setEncoding("utf8").on("data", (c: string) => (out += c));
  proc.stderr!.setEncoding("utf8").on("data", (c: string) => (out += c));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) =>
    proc.once("close", (code, signal) => done({ code, signal })),
  );
  const server: ServerProcess = { proc, port: chosen, url: `http://127.0.0.1:${chosen}`, output: () => out, exited };
  await new Promise<void>((resolve, reject) => {
    const timer = setInterval(() => {
      if (out.includes('"trainjobs server listening"')) {
        clearInterval(timer);
        resolve();
      }
    }, 20);
    void exited.then(() => {
      clearInterval(timer);
      reject(new Error(`the server exited before listening:\n${out}`));
    });
  });
  return server;
}

export interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

/** One request with the test token (JSON body), through `agent` (keep-alive) when given. */
export function send(
  url: string,
  method: string,
  path: string,
  body?: unknown,
  options: { agent?: http.Agent; contentType?: string } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body);
    const req = http.request(
      `${url}${path}`,
      {
        method,
        agent: options.agent ?? false,
        headers: {
          Authorization: `Bearer ${token}`,
          ...(data !== undefined
            ? { "Content-Type": options.contentType ?? "application/json", "Content-Length": Buffer.byteLength(data) }
            : {}),
        },
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8").on("data", (c: string) => (text += c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(data);
  });
}
