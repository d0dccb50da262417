#!/usr/bin/env node
// @ts-check
// Writes a kubeconfig for a running trainjobs server, so that kubectl needs no flags:
//
//   TLS_CERT_FILE=cert.pem TLS_KEY_FILE=key.pem PORT=8443 npm start      # in one shell
//   TLS_CERT_FILE=cert.pem PORT=8443 npm run kubeconfig                  # in another
//   KUBECONFIG=.data/kubeconfig kubectl get tfjobs -A
//
// Options (each also read from the environment the server reads, so the same variables work):
//   --server URL     default http(s)://HOST:PORT from HOST (127.0.0.1) and PORT (8080), https when
//                    TLS_CERT_FILE is set; a wildcard HOST (0.0.0.0, ::) becomes 127.0.0.1
//   --ca-file PATH   the CA that signed the server's certificate, embedded as
//                    certificate-authority-data; default TLS_CERT_FILE (right for a self-signed one)
//   --token TOKEN    default the development token in .data/dev-token
//   --out PATH       default .data/kubeconfig (written with mode 0600: it holds the token)
//   --name NAME      the cluster, user and context name; default trainjobs
//   --namespace NS   the context's default namespace (optional)
//
// Relative paths are the caller's: the directory npm was run from (INIT_CWD), as for the server.
// kubectl sends a bearer token only over HTTPS, so an http:// server gets a warning.
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { parseArgs } from "node:util";

const usage =
  "usage: npm run kubeconfig -- [--server URL] [--ca-file PATH] [--token TOKEN] [--out PATH] [--name NAME] [--namespace NS]";

/**
 * @param {string} message
 * @returns {never}
 */
function fail(message) {
  console.error(`kubeconfig: ${message}`);
  process.exit(1);
}

/**
 * An environment variable, an empty value counting as unset (as the server reads them).
 * @param {string} name
 */
function variable(name) {
  const value = process.env[name]?.trim();
  return value ? value : undefined;
}

/** @param {unknown} err */
const messageOf = (err) => (err instanceof Error ? err.message : String(err));

const options = /** @type {const} */ ({
  server: { type: "string" },
  "ca-file": { type: "string" },
  token: { type: "string" },
  out: { type: "string" },
  name: { type: "string", default: "trainjobs" },
  namespace: { type: "string" },
  help: { type: "boolean", short: "h" },
});
/** @type {ReturnType<typeof parseArgs<{ options: typeof options; strict: true; allowPositionals: false }>>["values"]} */
let values;
try {
  ({ values } = parseArgs({
    options,
    strict: true,
    allowPositionals: false,
  }));
} catch (err) {
  fail(`${messageOf(err)}\n${usage}`);
}
if (values.help) {
  console.log(usage);
  process.exit(0);
}

const cwd = variable("INIT_CWD") ?? process.cwd();
const certFile = variable("TLS_CERT_FILE");

let server = values.server;
if (!server) {
  let host = variable("HOST") ?? "127.0.0.1";
  if (host === "0.0.0.0") host = "127.0.0.1";
  if (host === "::" || host === "[::]") host = "::1";
  if (host.includes(":") && !host.startsWith("[")) host = `[${host}]`;
  server = `${certFile ? "https" : "http"}://${host}:${variable("PORT") ?? "8080"}`;
}
/** @param {string} text */
function parseServer(text) {
  try {
    return new URL(text);
  } catch {
    return fail(`--server ${JSON.stringify(text)} is not a URL such as https://127.0.0.1:8443`);
  }
}
const serverUrl = parseServer(server);
if (serverUrl.protocol !== "https:" && serverUrl.protocol !== "http:")
  fail(`--server ${server}: http:// or https:// only`);
server = serverUrl.origin;

let caData;
const caFile = values["ca-file"] ?? certFile;
if (caFile && serverUrl.protocol === "https:") {
  const path = resolve(cwd, caFile);
  let pem = "";
  try {
    pem = readFileSync(path, "utf8");
  } catch (err) {
    fail(`cannot read the CA file ${path}: ${messageOf(err)}`);
  }
  if (!pem.includes("-----BEGIN CERTIFICATE-----")) fail(`${path} holds no PEM certificate`);
  caData = Buffer.from(pem).toString("base64");
}

let token = values.token;
if (!token) {
  const path = resolve(cwd, ".data/dev-token");
  if (!existsSync(path)) {
    fail(
      `no --token and no ${path}: start the server without TOKEN_FILE once (it writes its development token there), or pass --token`,
    );
  }
  token = readFileSync(path, "utf8").trim();
  if (!token) fail(`${path} is empty`);
}

const name = values.name;
// JSON strings are YAML double-quoted scalars: every value is quoted, whatever it holds.
const q = (/** @type {string} */ value) => JSON.stringify(value);
const lines = [
  "apiVersion: v1",
  "kind: Config",
  "clusters:",
  `- name: ${q(name)}`,
  "  cluster:",
  `    server: ${q(server)}`,
  ...(caData ? [`    certificate-authority-data: ${q(caData)}`] : []),
  "users:",
  `- name: ${q(name)}`,
  "  user:",
  `    token: ${q(token)}`,
  "contexts:",
  `- name: ${q(name)}`,
  "  context:",
  `    cluster: ${q(name)}`,
  `    user: ${q(name)}`,
  ...(values.namespace ? [`    namespace: ${q(values.namespace)}`] : []),
  `current-context: ${q(name)}`,
  "preferences: {}",
  "",
];

const out = resolve(cwd, values.out ?? ".data/kubeconfig");
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, lines.join("\n"), { mode: 0o600 });
chmodSync(out, 0o600); // an existing file keeps its mode on write

console.log(`wrote ${out} for ${server} (context ${name})`);
if (serverUrl.protocol === "http:") {
  console.log(
    "warning: kubectl sends a bearer token only over https: start the server with TLS_CERT_FILE and TLS_KEY_FILE, or kubectl gets 401",
  );
} else if (!caData) {
  console.log("note: no --ca-file and no TLS_CERT_FILE: kubectl trusts the system's CAs only");
}
console.log(`  KUBECONFIG=${out} kubectl get tfjobs -A`);
