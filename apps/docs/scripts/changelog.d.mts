// Declarations of changelog.mjs, for the tests (this package type-checks its tests only).
import type { Change } from "@trainjobs/openapi/diff";

export interface Release {
  tag: string;
  date: string;
  version: string;
  /** undefined: the first release, nothing before it */
  changes: Change[] | undefined;
}
export interface Changelog {
  title: string;
  current: string;
  releases: Release[];
  unreleased: { since: string; changes: Change[] } | undefined;
  note: string | undefined;
}
export function collectChangelog(current: unknown): Promise<Changelog>;
export function renderChangelog(log: Changelog): string;
