// Follow the TFJobs of a namespace as they change, for 30 seconds (or until Ctrl-C).
// `watch()` reads the server's `?watch=true` stream; breaking out of the loop closes it.
import { ApiError, createClient, watch } from "@trainjobs/client";

const api = createClient({
  baseUrl: process.env.TRAINJOBS_URL ?? "http://127.0.0.1:8080",
  token: process.env.TRAINJOBS_TOKEN,
});
const namespace = process.env.TRAINJOBS_NAMESPACE ?? "kube-test";

const stop = new AbortController();
process.once("SIGINT", () => stop.abort());
const timer = setTimeout(() => stop.abort(), 30_000);

try {
  for await (const event of watch(api, "/apis/kubeflow.org/v1/namespaces/{namespace}/tfjobs", {
    params: { path: { namespace } },
    signal: stop.signal,
  })) {
    if (event.type === "ERROR") {
      console.error(`watch error ${event.object.code}: ${event.object.message}`);
      break;
    }
    if (event.type === "BOOKMARK") continue;
    const conditions = event.object.status?.conditions?.map((c) => c.type).join(",") ?? "-";
    console.log(event.type.padEnd(8), event.object.metadata.name, conditions);
  }
} catch (e) {
  if (e instanceof ApiError) {
    console.error(`the server refused the watch: ${e.message}`);
    process.exitCode = 1;
  } else if (!stop.signal.aborted) {
    throw e; // aborting ends the loop with the abort reason: expected here
  }
} finally {
  clearTimeout(timer);
}
