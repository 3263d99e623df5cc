// Uses the generated types the way the mobile app and the portal do, so that a contract change
// that breaks them fails to compile here first.
import type { components, paths } from "./api";

type Problem = components["schemas"]["Problem"];
type Counties =
  paths["/api/v1/counties"]["get"]["responses"][200]["content"]["application/json"];

export function describeProblem(problem: Problem): string {
  const fields = (problem.errors ?? []).map((e) => `${e.field}: ${e.message}`);
  return [problem.title, problem.detail, ...fields].join("\n");
}

export function countyNames(page: Counties): string[] {
  return page.items.map((county) => `${county.code} ${county.name}`);
}

export function hasMore(page: Counties): boolean {
  return page.next_cursor !== null && page.next_cursor !== undefined;
}
