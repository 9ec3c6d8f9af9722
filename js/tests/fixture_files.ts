// Reading the shared fixtures (tests/fixtures/**/*.jsonl with hand-written *.expected.json),
// the files both the kernel's and the browser's reducers are tested on.
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import type { JsonObject } from "../src/protocol";

/** The names of the fixtures in `dir` that have an expected result, sorted. */
export function fixtureNames(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith(".expected.json"))
    .map((f) => f.slice(0, -".expected.json".length))
    .sort();
}

/** Every record of `<name>.jsonl` (`direction` with an `event` or a `raw` message), in order. */
export function fixtureRecords(dir: string, name: string): JsonObject[] {
  const out: JsonObject[] = [];
  for (const line of readFileSync(join(dir, `${name}.jsonl`), "utf8").split("\n")) {
    if (line.trim()) out.push(JSON.parse(line) as JsonObject);
  }
  return out;
}

/** `<name>.expected.json`, as the test's own shape. */
export function fixtureExpected<T>(dir: string, name: string): T {
  return JSON.parse(readFileSync(join(dir, `${name}.expected.json`), "utf8")) as T;
}
