// ModelArts-style training jobs under /v1/{project_id}/training-jobs. Stored in the same store as
// the Kubernetes objects, one document per job (its versions inside), keyed by project and job_id.

import type { components } from "@trainjobs/types";
import type { Request } from "express";
import { ModelArtsError, modelArtsErrors } from "../http/modelarts-error.js";
import { maxObjectBytes } from "../resources/limits.js";
import { guaranteedUpdate } from "../store/guaranteed-update.js";
import type { Store, StoredObject } from "../store/index.js";
import { StoreError } from "../store/index.js";
import type { Handlers } from "./handlers.js";

type Schemas = components["schemas"];
type Config = Schemas["TrainingJobConfig"];

interface VersionRecord {
  version_id: number;
  version_name: string;
  status: number;
  create_time: number;
  duration: number;
  config: Config;
}

interface JobRecord {
  job_id: number;
  job_name: string;
  job_desc: string;
  workspace_id: string;
  versions: VersionRecord[];
}

/** The storage resource of ModelArts training jobs (the controller watches it). */
export const modelArtsTrainingJobs = "trainingjobs.modelarts";
const jobs = modelArtsTrainingJobs;
// A job's name, reserved in its own key so that two concurrent creates cannot both take it.
const names = "trainingjobnames.modelarts";
const jobIds = "modelarts.job-id";
const versionIds = "modelarts.version-id";
/** How many jobs a project may hold. */
export const jobQuota = 1000;
/** JOBSTAT_INIT: created, not yet run (there is no scheduler behind this API). */
const initialStatus = 1;

type ModelArtsHandlers = Pick<
  Handlers,
  | "listTrainingJobs"
  | "createTrainingJob"
  | "updateTrainingJobDescription"
  | "deleteTrainingJob"
  | "listTrainingJobVersions"
  | "getTrainingJobVersion"
>;

export function modelArtsHandlers(store: Store, now: () => number = Date.now): ModelArtsHandlers {
  const key = (project: string, jobId: number) => ({ resource: jobs, namespace: project, name: String(jobId) });
  const read = async (project: string, jobId: number): Promise<JobRecord> => {
    const stored = await store.get(key(project, jobId));
    if (!stored) throw modelArtsErrors.notFound(`training job ${jobId}`);
    return JSON.parse(stored.body) as JobRecord;
  };
  const latest = (job: JobRecord) => job.versions[job.versions.length - 1]!;
  const summary = (job: JobRecord): Schemas["TrainingJobSummary"] => ({
    job_id: job.job_id,
    job_name: job.job_name,
    version_id: latest(job).version_id,
    status: latest(job).status,
    create_time: job.versions[0]!.create_time,
    duration: latest(job).duration,
    job_desc: job.job_desc,
    version_count: job.versions.length,
  });
  const version = (job: JobRecord, v: VersionRecord): Schemas["TrainingJobVersion"] => ({
    job_id: job.job_id,
    job_name: job.job_name,
    job_desc: job.job_desc,
    version_id: v.version_id,
    version_name: v.version_name,
    status: v.status,
    create_time: v.create_time,
    duration: v.duration,
    config: v.config,
  });

  /** Deletes a job and its name in one transaction, the job only if unchanged since read. */
  const remove = async (project: string, jobId: number): Promise<void> => {
    const stored = await store.get(key(project, jobId));
    if (!stored) throw modelArtsErrors.notFound(`training job ${jobId}`);
    const job = JSON.parse(stored.body) as JobRecord;
    const nameKey = { resource: names, namespace: project, name: job.job_name };
    const name = await store.get(nameKey);
    try {
      await store.commit([
        { op: "delete", key: key(project, jobId), expectedRevision: stored.revision },
        ...(name ? [{ op: "delete" as const, key: nameKey, expectedRevision: name.revision }] : []),
      ]);
    } catch (e) {
      if (e instanceof StoreError && e.code === "NotFound") throw modelArtsErrors.notFound(`training job ${jobId}`);
      // Changed since read (a description update, a racing delete): read again and retry.
      if (e instanceof StoreError && e.code === "Conflict") return remove(project, jobId);
      throw e;
    }
  };

  return {
    async listTrainingJobs({ params, query }) {
      const all = (await store.list(jobs, { namespace: params.project_id })).items.map(
        (i: StoredObject) => JSON.parse(i.body) as JobRecord,
      );
      const search = query.search_content ?? "";
      const rows = all
        .map(summary)
        .filter(
          (j) => (query.status === undefined || j.status === Number(query.status)) && j.job_name.includes(search),
        );
      const sortBy = query.sortBy ?? "job_name";
      const sign = (query.order ?? "desc") === "asc" ? 1 : -1;
      rows.sort((a, b) => sign * compare(a[sortBy], b[sortBy]) || a.job_id - b.job_id);
      const perPage = Number(query.per_page ?? 10);
      const page = Number(query.page ?? 1);
      return {
        status: 200,
        body: {
          is_success: true,
          job_total_count: rows.length,
          job_count_limit: Math.max(0, jobQuota - all.length),
          quotas: jobQuota,
          jobs: rows.slice((page - 1) * perPage, page * perPage),
        },
      };
    },

    async createTrainingJob({ params, body }) {
      const project = params.project_id;
      const count = (await store.list(jobs, { namespace: project })).items.length;
      if (count >= jobQuota) throw modelArtsErrors.quotaExceeded(jobQuota);
      // The name and the job are written in one transaction (a crash between two writes left a
      // name reserved with no job, and that name 409 forever). A taken name is refused before ids
      // are drawn, so that a duplicate uses up no job_id; the commit still settles a race.
      // A stored job is bounded as Kubernetes objects are (resources/limits.ts): 1.5 MiB.
      if (Buffer.byteLength(JSON.stringify(body)) > maxObjectBytes) {
        throw new ModelArtsError(413, "ModelArts.0101", `The training job is larger than ${maxObjectBytes} bytes.`);
      }
      const nameKey = { resource: names, namespace: project, name: body.job_name };
      if (await store.get(nameKey)) throw modelArtsErrors.duplicateName(body.job_name);
      const jobId = await store.nextSequenceValue(jobIds);
      const versionId = await store.nextSequenceValue(versionIds);
      const createTime = now();
      const job: JobRecord = {
        job_id: jobId,
        job_name: body.job_name,
        job_desc: body.job_desc ?? "",
        workspace_id: body.workspace_id ?? "0",
        versions: [
          {
            version_id: versionId,
            version_name: "V0001",
            status: initialStatus,
            create_time: createTime,
            duration: 0,
            config: body.config,
          },
        ],
      };
      try {
        await store.commit([
          {
            op: "create",
            key: nameKey,
            input: { labels: {}, encode: () => JSON.stringify({ job_name: body.job_name }) },
          },
          { op: "create", key: key(project, jobId), input: { labels: {}, encode: () => JSON.stringify(job) } },
        ]);
      } catch (e) {
        if (e instanceof StoreError && e.code === "AlreadyExists") throw modelArtsErrors.duplicateName(body.job_name);
        throw e;
      }
      return {
        status: 200,
        body: {
          is_success: true,
          job_id: jobId,
          job_name: job.job_name,
          status: initialStatus,
          create_time: createTime,
          version_id: versionId,
          version_name: "V0001",
          resource_id: `job${jobId.toString(16).padStart(8, "0")}`,
        },
      };
    },

    async updateTrainingJobDescription({ params, body, req }) {
      const jobId = idOf("job_id", pathSegment(req, 3));
      try {
        await guaranteedUpdate(store, key(params.project_id, jobId), (current) => {
          const job = JSON.parse(current.body) as JobRecord;
          if (job.job_desc === body.job_desc) return { keep: true };
          job.job_desc = body.job_desc;
          return { write: { labels: {}, encode: () => JSON.stringify(job) } };
        });
      } catch (e) {
        if (e instanceof StoreError && e.code === "NotFound") throw modelArtsErrors.notFound(`training job ${jobId}`);
        throw e;
      }
      return { status: 200, body: { is_success: true } };
    },

    async deleteTrainingJob({ params, req }) {
      await remove(params.project_id, idOf("job_id", pathSegment(req, 3)));
      return { status: 200, body: { is_success: true } };
    },

    async listTrainingJobVersions({ params, query, req }) {
      const job = await read(params.project_id, idOf("job_id", pathSegment(req, 3)));
      const perPage = Number(query.per_page ?? 10);
      const page = Number(query.page ?? 1);
      const versions = [...job.versions].reverse().map((v) => version(job, v));
      return {
        status: 200,
        body: {
          is_success: true,
          job_id: job.job_id,
          job_name: job.job_name,
          job_desc: job.job_desc,
          version_count: job.versions.length,
          versions: versions.slice((page - 1) * perPage, page * perPage),
        },
      };
    },

    async getTrainingJobVersion({ params, req }) {
      const job = await read(params.project_id, idOf("job_id", pathSegment(req, 3)));
      const versionId = idOf("version_id", pathSegment(req, 5));
      const v = job.versions.find((x) => x.version_id === versionId);
      if (!v) throw modelArtsErrors.notFound(`version ${versionId} of training job ${job.job_id}`);
      return { status: 200, body: { is_success: true, ...version(job, v) } };
    },
  };
}

const maxInt64 = 2n ** 63n - 1n;

/**
 * The path segment at `index` of /v1/{project_id}/training-jobs/{job_id}/versions/{version_id}, as
 * the client wrote it: the validator has already coerced `params` to numbers.
 */
function pathSegment(req: Request, index: number): string {
  const segment = req.path.split("/").filter(Boolean)[index] ?? "";
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/**
 * An id of the path, as Java's Long.parseLong reads it: decimal digits only, within int64. The
 * validator's coercion lets `0x1`, `1e0`, `1.0` and ` 1` through as 1; those are refused here.
 * An int64 above 2^53 is a valid id that no sequence hands out: not found (404).
 */
function idOf(name: string, text: string): number {
  if (!/^\d+$/.test(text) || BigInt(text) < 1n || BigInt(text) > maxInt64) {
    throw modelArtsErrors.invalidParameter(
      `${name}: must be a positive int64 in decimal digits, not ${JSON.stringify(text)}`,
    );
  }
  const id = Number(text);
  if (!Number.isSafeInteger(id))
    throw modelArtsErrors.notFound(`${name === "job_id" ? "training job" : "version"} ${text}`);
  return id;
}

function compare(a: string | number, b: string | number): number {
  return typeof a === "number" && typeof b === "number" ? a - b : String(a).localeCompare(String(b));
}
