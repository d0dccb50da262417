// Starts the reference server in this process on a loopback port, on an in-memory store, for the
// tests of packages that talk to it over real HTTP (the client, the docs).
import http from "node:http";
import type { AddressInfo } from "node:net";
import { createServer } from "./app.js";
import { TokenTable } from "./http/auth.js";
import { openStore } from "./store/index.js";

export interface RunningTestServer {
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** A token of a `system:masters` user. */
  token: string;
  close(): Promise<void>;
}

export interface TestServerOptions {
  /** More users: token → [user, groups]. */
  users?: Record<string, [name: string, groups: string[]]>;
  /** Validate responses against the spec too (default true). */
  validateResponses?: boolean;
}

export async function startTestServer(options: TestServerOptions = {}): Promise<RunningTestServer> {
  const store = await openStore("sqlite::memory:");
  const token = "test-admin-token";
  const tokens = new TokenTable().add(token, { name: "admin", uid: "admin", groups: ["system:masters"] });
  for (const [t, [name, groups]] of Object.entries(options.users ?? {})) tokens.add(t, { name, uid: name, groups });
  const app = createServer({ store, tokens, validateResponses: options.validateResponses ?? true });
  const server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    token,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await store.close();
    },
  };
}
