/**
 * The route table compiled for lookup: routes grouped by segment count and tried from most
 * to least specific, so `/applications/filter` wins over `/applications/{id}`. A path that
 * matches some route under another method answers 405 with `Allow`. A found route is kept per
 * method and path (a path always matches the same way), with its checked parameters once a
 * request has checked them: a client reading one object again skips the matching and the checks.
 */
import type { AnyRoute, HttpMethod } from './route.ts';
import { compilePattern, matchPattern, splitPath, type CompiledPattern } from './path-pattern.ts';
import { compileRouteChecks, type RouteChecks } from './validate.ts';

export interface CompiledRoute {
  readonly spec: AnyRoute;
  readonly pattern: CompiledPattern;
  readonly checks: RouteChecks;
  /** Lower-case request headers to copy for this route. */
  readonly headers: readonly string[];
}

/** A path's route, shared by every request for that path: nothing in it is changed but `checked`. */
export interface FoundRoute {
  readonly kind: 'found';
  readonly route: CompiledRoute;
  /** As in the path, percent-decoded; frozen. */
  readonly params: Readonly<Record<string, string>>;
  /** The params after the route's schema (coerced and checked; frozen), once a request passed the check. */
  checked: unknown;
}

export type RouteMatch =
  | FoundRoute
  | { readonly kind: 'wrong-method'; readonly allow: readonly HttpMethod[] }
  | { readonly kind: 'not-found' };

const NOT_FOUND: RouteMatch = { kind: 'not-found' };

/** Found routes kept, all methods together; past it the memo starts again (paths carry ids, so they are many). */
const MEMO_LIMIT = 4096;
/** Longer paths are matched every time: API paths are short, and the memo's memory stays bounded (about 2 MB). */
const MEMO_PATH_LENGTH = 256;

/**
 * The candidates for paths of one segment count, narrowed by the first segment: a route whose
 * first segment is a single literal can only match that literal, so each list keeps, in the
 * specificity order, the routes for one first literal and those whose first segment is not a
 * plain literal (a parameter, or `;` parts). The answer is the one the whole list gives: the
 * routes left out are those matchPattern would refuse at their first segment.
 */
interface Candidates {
  readonly byFirst: ReadonlyMap<string, readonly CompiledRoute[]>;
  readonly other: readonly CompiledRoute[];
}

function firstLiteral(r: CompiledRoute): string | undefined {
  const first = r.pattern.segments[0];
  const only = first?.length === 1 ? first[0] : undefined;
  return only !== undefined && 'literal' in only ? only.literal : undefined;
}

function indexCandidates(sorted: readonly CompiledRoute[]): Candidates {
  const byFirst = new Map<string, CompiledRoute[]>();
  for (const r of sorted) {
    const lit = firstLiteral(r);
    if (lit !== undefined) byFirst.set(lit, []);
  }
  for (const [lit, list] of byFirst) {
    for (const r of sorted) {
      const l = firstLiteral(r);
      if (l === undefined || l === lit) list.push(r);
    }
  }
  return { byFirst, other: sorted.filter((r) => firstLiteral(r) === undefined) };
}

export class Router {
  private readonly bySegments = new Map<number, Candidates>();
  readonly routes: readonly CompiledRoute[];
  private readonly memo = new Map<string, Map<string, FoundRoute>>();
  private memoSize = 0;

  constructor(specs: readonly AnyRoute[], baseHeaders: readonly string[]) {
    const seen = new Set<string>();
    this.routes = specs.map((spec) => {
      const pattern = compilePattern(spec.path);
      const key = `${spec.method} ${pattern.segments.map((s) => s.map((p) => ('literal' in p ? p.literal : '{}')).join(';')).join('/')}`;
      if (seen.has(key)) throw new Error(`two routes for ${spec.method} ${spec.path}`);
      seen.add(key);
      const headers = [
        ...new Set([...baseHeaders, ...(spec.headers ?? []).map((h) => h.toLowerCase())]),
      ];
      return { spec, pattern, checks: compileRouteChecks(spec), headers };
    });
    const grouped = new Map<number, CompiledRoute[]>();
    for (const r of this.routes) {
      const n = r.pattern.segments.length;
      const list = grouped.get(n) ?? [];
      list.push(r);
      grouped.set(n, list);
    }
    for (const [n, list] of grouped) {
      list.sort((a, b) => b.pattern.specificity - a.pattern.specificity);
      this.bySegments.set(n, indexCandidates(list));
    }
  }

  /** `path` is relative to the API root (e.g. `/applications/7;deployment`). */
  match(method: string, path: string): RouteMatch {
    let byPath = this.memo.get(method);
    const known = byPath?.get(path);
    if (known !== undefined) return known;
    const m = this.lookup(method, path);
    if (m.kind !== 'found' || path.length > MEMO_PATH_LENGTH) return m;
    if (this.memoSize >= MEMO_LIMIT) {
      this.memo.clear();
      this.memoSize = 0;
      byPath = undefined;
    }
    if (byPath === undefined) this.memo.set(method, (byPath = new Map<string, FoundRoute>()));
    byPath.set(path, m);
    this.memoSize++;
    return m;
  }

  private lookup(method: string, path: string): RouteMatch {
    const segments = splitPath(path);
    const shape = this.bySegments.get(segments.length);
    if (shape === undefined) return NOT_FOUND;
    const first = segments[0];
    const candidates = (first === undefined ? undefined : shape.byFirst.get(first)) ?? shape.other;
    let allow: HttpMethod[] | undefined;
    let allowFrom: CompiledPattern | undefined;
    for (const route of candidates) {
      // Once a route of one shape matched under another method, a less specific shape
      // must not answer for this path: `/applications/filter` is not `/applications/{id}`.
      if (allowFrom !== undefined && route.pattern.specificity < allowFrom.specificity) break;
      const params = matchPattern(route.pattern, segments);
      if (params === undefined) continue;
      if (route.spec.method === method) return { kind: 'found', route, params: Object.freeze(params), checked: undefined };
      (allow ??= []).push(route.spec.method);
      allowFrom ??= route.pattern;
    }
    return allow === undefined ? NOT_FOUND : { kind: 'wrong-method', allow };
  }
}
