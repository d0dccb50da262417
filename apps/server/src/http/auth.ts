// Authentication by a Kubernetes static token file, and authorization by group:
// `system:masters` may do anything, `namespace:<ns>` grants one namespace, `project:<id>` one
// ModelArts project.
import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { parse } from "csv-parse/sync";
import type { RequestInfo } from "./request-info.js";

export interface User {
  name: string;
  uid: string;
  groups: readonly string[];
}

export class TokenTable {
  private readonly users = new Map<string, User>();

  /**
   * Lines `token,user,uid,"group1,group2"`, as kube-apiserver's --token-auth-file. Blank lines and
   * lines starting with `#` are skipped; a `#` inside a line is data (a token may hold one).
   */
  static fromCsv(text: string): TokenTable {
    const table = new TokenTable();
    const rows = parse(text, {
      relax_column_count: true,
      skip_empty_lines: true,
      trim: true,
      comment: "#",
      comment_no_infix: true,
      info: true,
    }) as unknown as { record: string[]; info: { lines: number } }[];
    for (const { record, info } of rows) {
      const [token, name, uid, groups] = record;
      if (!token || !name || !uid) throw new Error(`token file line ${info.lines}: expected token,user,uid[,"groups"]`);
      table.add(token, {
        name,
        uid,
        groups: groups
          ? groups
              .split(",")
              .map((g) => g.trim())
              .filter(Boolean)
          : [],
      });
    }
    return table;
  }

  static fromFile(path: string): TokenTable {
    return TokenTable.fromCsv(readFileSync(path, "utf8"));
  }

  add(token: string, user: User): this {
    this.users.set(token, user);
    return this;
  }

  authenticate(token: string | undefined): User | undefined {
    return token ? this.users.get(token) : undefined;
  }

  /** The first user of that name, for impersonation (users are keyed by token). */
  userNamed(name: string): User | undefined {
    for (const user of this.users.values()) if (user.name === name) return user;
    return undefined;
  }
}

/** A development token for a `system:masters` user, written where scripts can read it. */
export function createDevToken(path: string): { token: string; table: TokenTable } {
  const token = randomBytes(24).toString("base64url");
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${token}\n`, { mode: 0o600 });
  return { token, table: new TokenTable().add(token, { name: "admin", uid: "dev-admin", groups: ["system:masters"] }) };
}

/** The token of `Authorization: Bearer <token>` or of `X-Auth-Token`. */
export function tokenOf(authorization: string | undefined, xAuthToken: string | undefined): string | undefined {
  if (authorization) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (match) return match[1];
  }
  return xAuthToken?.trim() || undefined;
}

const masters = "system:masters";

export function isMaster(user: User): boolean {
  return user.groups.includes(masters);
}

/** The namespaces a user may use, or "all". */
export function grantedNamespaces(user: User): ReadonlySet<string> | "all" {
  if (isMaster(user)) return "all";
  return new Set(user.groups.filter((g) => g.startsWith("namespace:")).map((g) => g.slice("namespace:".length)));
}

/** Whether the user may make this request. Lists across namespaces are filtered, not refused. */
export function authorize(user: User, info: RequestInfo): boolean {
  if (isMaster(user)) return true;
  if (info.family === "modelarts") return user.groups.includes(`project:${info.projectId}`);
  if (info.family === "kube") {
    if (!info.resource) return true; // discovery: any authenticated user
    if (info.namespace === undefined) return info.verb === "list";
    return user.groups.includes(`namespace:${info.namespace}`);
  }
  return false;
}
