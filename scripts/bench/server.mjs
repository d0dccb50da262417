// @ts-check
// `npm run bench -- server`: the reference server against the bare node:http baseline, in the same
// run, alternating, best of `rounds`. Prints req/s, p50/p99 and the ratio to the baseline per mix.
import { run, seed, watchFanOut } from "./load.mjs";
import { startBaseline, startServer } from "./processes.mjs";

/** @typedef {import("./load.mjs").Figures} Figures */

/**
 * @param {{ seconds: number; connections: number; rounds: number; watchers: number }} options
 * @returns {Promise<string>} the table, in Markdown
 */
export async function serverBench({ seconds, connections, rounds, watchers }) {
  const server = await startServer();
  const baseline = await startBaseline();
  try {
    await seed(server.url);
    await seed(baseline.url);
    const rows = [];
    for (const mix of /** @type {const} */ (["PATCH", "GET", "LIST", "CREATE"])) {
      /** @type {Figures | undefined} */ let best;
      /** @type {Figures | undefined} */ let bestBase;
      for (let round = 0; round < rounds; round++) {
        const s = await run(server.url, mix, { connections, seconds, round });
        const b = await run(baseline.url, mix, { connections, seconds, round });
        if (!best || s.rps > best.rps) best = s;
        if (!bestBase || b.rps > bestBase.rps) bestBase = b;
      }
      if (!best || !bestBase) continue;
      rows.push(
        `| ${mix} | ${fmt(best.rps)} | ${best.p50} | ${best.p99} | ${best.errors} | ${fmt(bestBase.rps)} | ${bestBase.p99} | ${pct(best.rps / bestBase.rps)} |`,
      );
      console.error(`  ${mix}: server ${fmt(best.rps)} req/s, baseline ${fmt(bestBase.rps)} req/s`);
    }
    let watchRow = `| watch fan-out (${watchers} watchers, 1 writer) | not served | | | | | | |`;
    /** @type {{ eventsPerSecond: number; writes: number; errors: number } | undefined} */ let w;
    /** @type {{ eventsPerSecond: number; writes: number; errors: number } | undefined} */ let wb;
    for (let round = 0; round < rounds; round++) {
      const s = await watchFanOut(server.url, { watchers, seconds, round });
      const b = await watchFanOut(baseline.url, { watchers, seconds, round });
      if (s && (!w || s.eventsPerSecond > w.eventsPerSecond)) w = s;
      if (b && (!wb || b.eventsPerSecond > wb.eventsPerSecond)) wb = b;
    }
    if (w && wb) {
      watchRow = `| watch fan-out (${watchers} watchers, 1 writer), events/s | ${fmt(w.eventsPerSecond)} | | | ${w.errors} | ${fmt(wb.eventsPerSecond)} | | ${pct(w.eventsPerSecond / wb.eventsPerSecond)} |`;
    }
    rows.push(watchRow);
    return [
      `${connections} connections, ${seconds} s per round, best of ${rounds}, server and baseline alternating.`,
      "",
      "| mix | server req/s | p50 ms | p99 ms | errors | baseline req/s | baseline p99 ms | server / baseline |",
      "|---|---|---|---|---|---|---|---|",
      ...rows,
    ].join("\n");
  } finally {
    await server.stop();
    await baseline.stop();
  }
}

/** @param {number} n */
export const fmt = (n) => Math.round(n).toLocaleString("en-US");
/** @param {number} r */
export const pct = (r) => `${(r * 100).toFixed(0)}%`;
