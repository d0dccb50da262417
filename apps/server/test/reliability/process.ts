// The built server (`node dist/main.js`) as a child process, for the reliability tests that need
// a real process: kill -9, SIGTERM under load, start failures, connection limits. Spawned by
// @trainjobs/server/testing, as every other test that runs the process.
import http from "node:http";
import { type ServerProcess as SpawnedServer, spawnServer } from "../../src/testing.js";

export { freePort } from "../../src/testing.js";
export const token = "reliability-token";

export interface ServerProcess extends SpawnedServer {
  /** stdout and stderr. */
  output(): string;
}

/**
 * Starts the built server in `cwd` (relative paths are the caller's, as with npm); resolves once
 * it logs `listening`, rejects with its output if it exits first.
 */
export async function startServer(
  cwd: string,
  env: Record<string, string> = {},
  port?: number,
): Promise<ServerProcess> {
  const spawned = await spawnServer({
    cwd,
    env: { INIT_CWD: cwd, LOG_LEVEL: "info", ...env, ...(port === undefined ? {} : { PORT: String(port) }) },
  });
  const server: ServerProcess = { ...spawned, output: () => spawned.stdout() + spawned.stderr() };
  await server.waitForLog((line) => line.msg === "trainjobs server listening", 120_000);
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
