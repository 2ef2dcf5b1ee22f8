/**
 * Path patterns in Ravello's style: `/applications/{id}`, with `;aspect` matrix suffixes
 * on a segment (`/applications/{id};deployment/vms`, `/vms/{vm}/fqdn;deployment`). A
 * segment is split on `;` into parts; each part is a literal or a `{param}`, and a request
 * segment matches when it has as many parts and each part matches.
 */

type Part = { readonly literal: string } | { readonly param: string };

export interface CompiledPattern {
  readonly source: string;
  readonly segments: readonly (readonly Part[])[];
  readonly paramNames: readonly string[];
  /** Higher is more specific: literals count more than params, earlier segments more than later. */
  readonly specificity: number;
}

const PARAM = /^\{([A-Za-z_][A-Za-z0-9_]*)\}$/;
const LITERAL = /^[A-Za-z0-9_.\-]+$/;

export function compilePattern(source: string): CompiledPattern {
  if (!source.startsWith('/')) throw new Error(`route pattern must start with /: ${source}`);
  const paramNames: string[] = [];
  const raw = source === '/' ? [] : source.slice(1).split('/');
  let specificity = 0;
  const segments = raw.map((seg, i) =>
    seg.split(';').map((p): Part => {
      const m = PARAM.exec(p);
      if (m !== null) {
        const name = m[1] as string;
        if (paramNames.includes(name)) throw new Error(`parameter {${name}} repeats in ${source}`);
        paramNames.push(name);
        return { param: name };
      }
      if (!LITERAL.test(p)) throw new Error(`bad segment "${seg}" in route pattern ${source}`);
      specificity += 2 ** (20 - Math.min(i, 20));
      return { literal: p };
    }),
  );
  return { source, segments, paramNames, specificity };
}

/** The decoded parameters when `path` matches, otherwise undefined. */
export function matchPattern(
  p: CompiledPattern,
  segments: readonly string[],
): Record<string, string> | undefined {
  if (segments.length !== p.segments.length) return undefined;
  let params: Record<string, string> | undefined;
  for (let i = 0; i < segments.length; i++) {
    const want = p.segments[i] as readonly Part[];
    const seg = segments[i] as string;
    if (want.length === 1) {
      const only = want[0] as Part;
      if ('literal' in only) {
        if (seg !== only.literal) return undefined;
        continue;
      }
      if (seg.length === 0 || seg.includes(';')) return undefined;
      (params ??= {})[only.param] = decode(seg);
      continue;
    }
    const got = seg.split(';');
    if (got.length !== want.length) return undefined;
    for (let j = 0; j < want.length; j++) {
      const w = want[j] as Part;
      const g = got[j] as string;
      if ('literal' in w) {
        if (g !== w.literal) return undefined;
      } else {
        if (g.length === 0) return undefined;
        (params ??= {})[w.param] = decode(g);
      }
    }
  }
  return params ?? {};
}

function decode(s: string): string {
  if (!s.includes('%')) return s;
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** Splits a request path into segments; '' and '/' have none, a trailing slash is ignored. */
export function splitPath(path: string): string[] {
  const trimmed = path.endsWith('/') ? path.slice(0, -1) : path;
  return trimmed.length <= 1 ? [] : trimmed.slice(1).split('/');
}
