// The access log: one info line per request through the server's logger, with method, URL and
// status, and never a credential or a body.
import { Writable } from "node:stream";
import { pino } from "pino";
import request from "supertest";
import { afterAll, beforeAll, expect, test } from "vitest";
import { createServer, type TrainjobsServer } from "../src/app.js";
import { TokenTable } from "../src/http/auth.js";
import { openStore, type Store } from "../src/store/index.js";
import { tfJob } from "./builders.js";

const token = "access-log-secret-token";
const lines: string[] = [];
let store: Store;
let app: TrainjobsServer;

beforeAll(async () => {
  store = await openStore("sqlite::memory:");
  const tokens = new TokenTable().add(token, { name: "admin", uid: "admin", groups: ["system:masters"] });
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString("utf8").split("\n").filter(Boolean));
      done();
    },
  });
  app = createServer({ store, tokens, logger: pino({ level: "info" }, sink) });
});
afterAll(() => store.close());

const logged = () => lines.map((l) => JSON.parse(l) as Record<string, any>);

test("a request is logged at info with its method, URL and status; the Bearer token is not", async () => {
  lines.length = 0;
  const res = await request(app)
    .get("/apis/kubeflow.org/v1/namespaces/kube-test/tfjobs?limit=5")
    .set("Authorization", `Bearer ${token}`);
  expect(res.status).toBe(200);
  const entry = logged().find((l) => l.req?.url === "/apis/kubeflow.org/v1/namespaces/kube-test/tfjobs?limit=5");
  expect(entry).toMatchObject({
    level: 30,
    msg: "request completed",
    req: { method: "GET", headers: { authorization: "[Redacted]" } },
    res: { statusCode: 200 },
  });
  expect(typeof entry?.responseTime).toBe("number");
  expect(lines.join("\n")).not.toContain(token);
});

test("an X-Auth-Token is redacted, and a body is not logged", async () => {
  lines.length = 0;
  const body = tfJob("logged-job");
  body.metadata.annotations = { marker: "body-marker-not-for-logs" };
  const res = await request(app)
    .post("/apis/kubeflow.org/v1/namespaces/kube-test/tfjobs")
    .set("X-Auth-Token", token)
    .send(body);
  expect(res.status).toBe(201);
  const entry = logged().find((l) => l.req?.method === "POST");
  expect(entry).toMatchObject({
    level: 30,
    req: { headers: { "x-auth-token": "[Redacted]" } },
    res: { statusCode: 201 },
  });
  expect(lines.join("\n")).not.toContain(token);
  expect(lines.join("\n")).not.toContain("body-marker-not-for-logs");
});

test("a request refused before its handler (401, a wrong token) is logged too, without the token", async () => {
  lines.length = 0;
  const res = await request(app).get("/apis/batch/v1/jobs").set("Authorization", "Bearer wrong-secret");
  expect(res.status).toBe(401);
  expect(logged().find((l) => l.req?.url === "/apis/batch/v1/jobs")).toMatchObject({ res: { statusCode: 401 } });
  expect(lines.join("\n")).not.toContain("wrong-secret");
});

test("a request the fast path serves is logged once, with the fields Express's requests have", async () => {
  const created = await request(app)
    .post("/apis/kubeflow.org/v1/namespaces/kube-test/tfjobs")
    .set("Authorization", `Bearer ${token}`)
    .send(tfJob("fast-logged"));
  expect(created.status).toBe(201);
  const path = "/apis/kubeflow.org/v1/namespaces/kube-test/tfjobs/fast-logged";
  const entries = async (via: typeof app | typeof app.listener, method: "get" | "patch") => {
    lines.length = 0;
    const served = app.fastPathServed;
    const req = request(via)[method](`${path}?timeout=30s`).set("Authorization", `Bearer ${token}`);
    const res = await (method === "patch"
      ? req.set("Content-Type", "application/merge-patch+json").send({ metadata: { labels: { l: `${Date.now()}` } } })
      : req);
    expect(res.status).toBe(200);
    return { entries: logged(), fast: app.fastPathServed - served };
  };
  for (const method of ["get", "patch"] as const) {
    const viaExpress = await entries(app, method);
    const viaFastPath = await entries(app.listener, method);
    expect(viaExpress.fast).toBe(0);
    expect(viaFastPath.fast).toBe(1);
    expect(viaFastPath.entries).toHaveLength(1);
    const [fast] = viaFastPath.entries;
    const [plain] = viaExpress.entries;
    const shape = (e: Record<string, any>) => ({
      ...e,
      time: typeof e.time,
      responseTime: typeof e.responseTime,
      // supertest listens on a new port for each request
      req: {
        ...e.req,
        id: typeof e.req.id,
        remotePort: typeof e.req.remotePort,
        headers: { ...e.req.headers, host: typeof e.req.headers.host },
      },
      res: { ...e.res, headers: { ...e.res.headers, date: typeof e.res.headers.date } },
    });
    expect(shape(fast!)).toEqual(shape(plain!));
    expect(fast).toMatchObject({ req: { headers: { authorization: "[Redacted]" }, query: { timeout: "30s" } } });
  }
  expect(lines.join("\n")).not.toContain(token);
});
