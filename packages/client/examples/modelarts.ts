// The ModelArts-style API under /v1/{project_id}: create a training job, change its description,
// list the project's jobs and delete it. Its failures carry the ModelArts error body, and its
// clients often send the token as X-Auth-Token.
import { createClient } from "@trainjobs/client";

const api = createClient({
  baseUrl: process.env.TRAINJOBS_URL ?? "http://127.0.0.1:8080",
  token: process.env.TRAINJOBS_TOKEN,
  authScheme: "x-auth-token",
});
const project_id = process.env.TRAINJOBS_PROJECT ?? "0b6b7b3e5a0041a5a9d4b3c3e0c2c5d1";

const created = await api.POST("/v1/{project_id}/training-jobs", {
  params: { path: { project_id } },
  body: {
    job_name: `example_${Date.now().toString(36)}`,
    job_desc: "created by examples/modelarts.ts",
    config: { worker_server_num: 1, app_url: "/usr/app/", boot_file_url: "/usr/app/boot.py", spec_id: 1, engine_id: 1 },
  },
});
if (created.error) {
  console.error(`${created.error.error_code}: ${created.error.error_message}`);
  process.exit(1);
}
const job_id = created.data.job_id;
console.log(`created job ${job_id} (${created.data.job_name}), version ${created.data.version_id}`);

const updated = await api.PUT("/v1/{project_id}/training-jobs/{job_id}", {
  params: { path: { project_id, job_id } },
  body: { job_desc: "a better description" },
});
console.log("description updated:", updated.data?.is_success ?? updated.error);

const list = await api.GET("/v1/{project_id}/training-jobs", {
  params: { path: { project_id }, query: { per_page: 10 } },
});
console.log(`${list.data?.job_total_count ?? 0} jobs in the project`);

const removed = await api.DELETE("/v1/{project_id}/training-jobs/{job_id}", {
  params: { path: { project_id, job_id } },
});
console.log("deleted:", removed.data?.is_success ?? removed.error);
