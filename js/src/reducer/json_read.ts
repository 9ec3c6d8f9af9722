// Reading fields of untrusted JSON: a missing or mistyped field reads as empty, so the
// reducer never throws on an event shape it did not expect.
import { isJsonObject, type JsonObject } from "../protocol";

export function obj(value: unknown): JsonObject {
  return isJsonObject(value) ? value : {};
}

export function str(value: unknown): string {
  return typeof value === "string" ? value : "";
}

export function num(value: unknown): number {
  return typeof value === "number" && Number.isFinite(value) ? value : 0;
}
