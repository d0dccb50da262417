// Impersonation, as the apiserver's WithImpersonation filter: a caller allowed to impersonate
// (here the system:masters group) sends Impersonate-User, and optionally Impersonate-Group
// (repeatable) and Impersonate-Uid, and the request is authorised as that identity. Anyone else
// sending an Impersonate-* header is refused with 403; groups or a uid without a user are 400.
//
// Authorization here goes by group alone (there are no role bindings naming users). So that
// `kubectl --as=alice` shows alice's view, a user impersonated without Impersonate-Group gets the
// groups the token table gives a user of that name (none if there is none), as a role binding
// naming the user would; with Impersonate-Group, exactly the groups sent.
import type { Request } from "express";
import { badRequest, forbidden } from "../resources/errors.js";
import { isMaster, type User } from "./auth.js";
import { modelArtsErrors } from "./modelarts-error.js";
import type { RequestInfo } from "./request-info.js";

const prefix = "impersonate-";

/** The identity the request acts as: the caller, or whom it impersonates. Throws a refusal. */
export function effectiveUser(
  caller: User,
  req: Request,
  info: RequestInfo,
  userNamed: (name: string) => User | undefined,
): User {
  const headers = req.headersDistinct;
  const sent = Object.keys(headers).filter((h) => h.startsWith(prefix));
  if (sent.length === 0) return caller;
  if (!isMaster(caller)) {
    if (info.family === "modelarts") throw modelArtsErrors.notAllowed();
    const what = sent.includes("impersonate-user") ? "users" : sent.includes("impersonate-group") ? "groups" : "uids";
    throw forbidden(
      { group: "", plural: what, kind: "" },
      undefined,
      `User "${caller.name}" cannot impersonate resource "${what}" in API group "" at the cluster scope`,
    );
  }
  const values = (name: string) => (headers[name] ?? []).map((v) => v.trim()).filter(Boolean);
  const [name] = values("impersonate-user");
  const groups = values("impersonate-group");
  const [uid] = values("impersonate-uid");
  if (name === undefined) {
    const message = "requested impersonation of groups or a uid without impersonating a user";
    if (info.family === "modelarts") throw modelArtsErrors.invalidParameter(message);
    throw badRequest(message);
  }
  const known = userNamed(name);
  return {
    name,
    uid: uid ?? known?.uid ?? "",
    groups: groups.length > 0 ? groups : (known?.groups ?? []),
  };
}
