// @ts-check
// `npm run bench [-- server|scale|pipeline|dev ...] [-- --record]`: the project's benchmarks. Each prints
// a Markdown table; `--record` also appends the run, with the machine it came from, to
// BENCHMARKS.md. Never part of `npm test`: figures depend on the machine and its load.
import { appendFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { devBench } from "./dev.mjs";
import { pipelineBench } from "./pipeline.mjs";
import { repo } from "./processes.mjs";
import { scaleBench } from "./scale.mjs";
import { serverBench } from "./server.mjs";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    record: { type: "boolean", default: false },
    seconds: { type: "string", default: "5" },
    connections: { type: "string", default: "32" },
    rounds: { type: "string", default: "2" },
    watchers: { type: "string", default: "100" },
    sizes: { type: "string", default: "1000,100000,1000000" },
    saves: { type: "string", default: "3" },
  },
});
const chosen = positionals.length ? positionals : ["server", "scale", "pipeline"];
const seconds = Number(values.seconds);
const connections = Number(values.connections);
const rounds = Number(values.rounds);

const cpu = cpus();
const machine = `${cpu.length} × ${cpu[0]?.model ?? "unknown CPU"}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${process.platform}`;
const sections = [`## ${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC`, "", `Machine: ${machine}.`, ""];

for (const name of chosen) {
  console.error(`bench: ${name}`);
  let table;
  if (name === "server") table = await serverBench({ seconds, connections, rounds, watchers: Number(values.watchers) });
  else if (name === "scale")
    table = await scaleBench({ seconds, connections, sizes: values.sizes.split(",").map(Number) });
  else if (name === "pipeline") table = await pipelineBench();
  // Not in the default set: it edits the spec (and restores it) under `npm run dev`.
  else if (name === "dev") table = await devBench({ rounds: Number(values.saves) });
  else throw new Error(`unknown benchmark ${name}: server, scale, pipeline or dev`);
  sections.push(`### ${name}`, "", table, "");
}
const report = sections.join("\n");
console.log(report);
if (values.record) appendFileSync(join(repo, "BENCHMARKS.md"), `\n${report}`);
