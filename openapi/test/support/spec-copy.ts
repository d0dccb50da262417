// A throwaway copy of this package (its spec, config, plugins and scripts; not dist/) in a
// temporary directory, for tests that break the spec on purpose. Its node_modules is a link to the
// repository's, so its Redocly plugins and scripts resolve their packages as here.
import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { fileURLToPath } from "node:url";

export const packageRoot = fileURLToPath(new URL("../..", import.meta.url));
const repoNodeModules = join(packageRoot, "..", "node_modules");

export interface SpecCopy {
  root: string;
  read(file: string): string;
  write(file: string, text: string): void;
  /** Replaces the first occurrence of `from` in `file` (fails when there is none). */
  edit(file: string, from: string | RegExp, to: string): void;
  /** `node scripts/<script>` in the copy: its exit status and everything it printed. */
  run(script: string, ...args: string[]): { status: number | null; output: string };
  remove(): void;
}

export function copySpec(prefix = "trainjobs-spec-"): SpecCopy {
  const root = join(mkdtempSync(join(tmpdir(), prefix)), "openapi");
  cpSync(packageRoot, root, {
    recursive: true,
    filter: (src) => !["node_modules", "dist", ".turbo", "test"].includes(basename(src)) || src === packageRoot,
  });
  symlinkSync(repoNodeModules, join(root, "node_modules"), "dir");
  const copy: SpecCopy = {
    root,
    read: (file) => readFileSync(join(root, file), "utf8"),
    write: (file, text) => writeFileSync(join(root, file), text),
    edit(file, from, to) {
      const text = copy.read(file);
      const next = text.replace(from, to);
      if (next === text) throw new Error(`${file}: ${String(from)} not found`);
      copy.write(file, next);
    },
    run(script, ...args) {
      const result = spawnSync(process.execPath, [join("scripts", script), ...args], { cwd: root, encoding: "utf8" });
      return { status: result.status, output: `${result.stdout}${result.stderr}` };
    },
    remove: () => rmSync(join(root, ".."), { recursive: true, force: true }),
  };
  return copy;
}
