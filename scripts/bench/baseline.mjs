// @ts-check
// The baseline the server is measured against: bare node:http doing the in-memory part of each
// request (parse the body, merge patch, serialise) with no validation, authentication or storage.
// It answers the same paths as the reference server, so that one load script drives both.
import { createServer } from "node:http";

/** @typedef {Record<string, any>} Json */

/** @type {Map<string, Json>} */
const objects = new Map();
/** @type {Set<import("node:http").ServerResponse>} */
const watchers = new Set();
let revision = 0;

/**
 * RFC 7386, enough for the benchmark's patches.
 * @param {any} target
 * @param {any} patch
 */
function merge(target, patch) {
  if (patch === null || typeof patch !== "object" || Array.isArray(patch)) return patch;
  const out = target !== null && typeof target === "object" && !Array.isArray(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete out[key];
    else out[key] = merge(out[key], value);
  }
  return out;
}

/**
 * @param {import("node:http").ServerResponse} res
 * @param {number} status
 * @param {unknown} body
 */
function send(res, status, body) {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

/** @param {string} type @param {Json} object */
function notify(type, object) {
  const line = `${JSON.stringify({ type, object })}\n`;
  for (const res of watchers) res.write(line);
}

const collection = /^\/apis\/kubeflow\.org\/v1\/namespaces\/([^/]+)\/tfjobs$/;
const item = /^\/apis\/kubeflow\.org\/v1\/namespaces\/([^/]+)\/tfjobs\/([^/]+)$/;

const server = createServer((req, res) => {
  const url = new URL(req.url ?? "/", "http://x");
  /** @type {Buffer[]} */
  const chunks = [];
  req.on("data", (chunk) => chunks.push(chunk));
  req.on("end", () => {
    const text = Buffer.concat(chunks).toString("utf8");
    const body = text ? JSON.parse(text) : undefined;
    const c = collection.exec(url.pathname);
    const i = item.exec(url.pathname);
    if (c && req.method === "GET" && url.searchParams.get("watch") === "true") {
      res.writeHead(200, { "content-type": "application/json" });
      res.flushHeaders();
      watchers.add(res);
      req.on("close", () => watchers.delete(res));
      return;
    }
    if (c && req.method === "GET") {
      const limit = Number(url.searchParams.get("limit") ?? 0) || Number.POSITIVE_INFINITY;
      const prefix = `${c[1]}/`;
      const items = [...objects].filter(([key]) => key.startsWith(prefix)).map(([, obj]) => obj);
      items.length = Math.min(items.length, limit);
      return send(res, 200, { apiVersion: "kubeflow.org/v1", kind: "TFJobList", metadata: {}, items });
    }
    if (c && req.method === "POST") {
      const key = `${c[1]}/${body.metadata.name}`;
      body.metadata.resourceVersion = String(++revision);
      objects.set(key, body);
      notify("ADDED", body);
      return send(res, 201, body);
    }
    if (i && req.method === "GET") {
      const obj = objects.get(`${i[1]}/${i[2]}`);
      return obj ? send(res, 200, obj) : send(res, 404, { kind: "Status", code: 404 });
    }
    if (i && req.method === "PATCH") {
      const key = `${i[1]}/${i[2]}`;
      const obj = objects.get(key);
      if (!obj) return send(res, 404, { kind: "Status", code: 404 });
      const next = merge(obj, body);
      next.metadata.resourceVersion = String(++revision);
      objects.set(key, next);
      notify("MODIFIED", next);
      return send(res, 200, next);
    }
    send(res, 404, { kind: "Status", code: 404 });
  });
});

server.listen(0, "127.0.0.1", () => {
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  console.log(`listening http://127.0.0.1:${port}`);
});
process.on("SIGTERM", () => {
  for (const res of watchers) res.end();
  server.close(() => process.exit(0));
  server.closeAllConnections();
});
