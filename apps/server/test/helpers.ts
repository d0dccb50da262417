// A server on an in-memory store (or the store `databaseUrl` names) with a few users, for in-process tests through supertest.
import request from "supertest";
import { createServer, type TrainjobsServer } from "../src/app.js";
import { TokenTable } from "../src/http/auth.js";
import { openStore, type Store } from "../src/store/index.js";

export const tokens = {
  admin: "admin-token",
  alice: "alice-token", // namespace:kube-test and project:proj-a
  bob: "bob-token", // namespace:team-b
} as const;

export interface TestServer {
  app: TrainjobsServer;
  store: Store;
  /** supertest agent with the admin's token. */
  api: ReturnType<typeof request.agent>;
  as(user: keyof typeof tokens): ReturnType<typeof request.agent>;
  anonymous: ReturnType<typeof request>;
  close(): Promise<void>;
}

export interface TestServerOptions {
  /** The store, as DATABASE_URL names it (default `sqlite::memory:`). */
  databaseUrl?: string;
}

export async function testServer(options: TestServerOptions = {}): Promise<TestServer> {
  const store = await openStore(options.databaseUrl ?? "sqlite::memory:");
  const table = TokenTable.fromCsv(
    [
      `${tokens.admin},admin,u-admin,"system:masters"`,
      `${tokens.alice},alice,u-alice,"namespace:kube-test,project:proj-a"`,
      `${tokens.bob},bob,u-bob,"namespace:team-b"`,
    ].join("\n"),
  );
  const app = createServer({ store, tokens: table, validateResponses: true });
  // Through the listener main.ts serves with: the fast path first (http/fast-path.ts), then Express.
  const as = (user: keyof typeof tokens) => request.agent(app.listener).set("Authorization", `Bearer ${tokens[user]}`);
  return { app, store, api: as("admin"), as, anonymous: request(app.listener), close: () => store.close() };
}
