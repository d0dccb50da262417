import { expect, test } from "vitest";
import { createClient } from "../src/index.js";

test("createClient sends typed requests through the given fetch", async () => {
  const seen: string[] = [];
  const api = createClient({
    baseUrl: "http://server.test",
    fetch: async (req: Request) => {
      seen.push(`${req.method} ${new URL(req.url).pathname}`);
      return Response.json({ kind: "APIGroupList", apiVersion: "v1", groups: [] });
    },
  });
  const { data } = await api.GET("/apis");
  expect(data?.kind).toBe("APIGroupList");
  expect(seen).toEqual(["GET /apis"]);
});
