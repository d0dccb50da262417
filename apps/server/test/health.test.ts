import request from "supertest";
import { expect, test } from "vitest";
import { createServer } from "../src/app.js";

test("GET /healthz answers ok", async () => {
  const res = await request(createServer()).get("/healthz");
  expect(res.status).toBe(200);
  expect(res.text).toBe("ok");
});
