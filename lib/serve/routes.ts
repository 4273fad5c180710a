// URL paths to what they ask for. Model and version segments are only ever looked up in the
// repository's map, never joined into a file path.
export type RouteKind =
  | 'live' | 'ready' | 'server' | 'metrics'
  | 'v2-model' | 'v2-model-ready' | 'v2-infer'
  | 'v1-status' | 'v1-metadata' | 'v1-predict';

export interface Route {
  kind: RouteKind;
  method: 'GET' | 'POST';
  model: string | null;
  version: string | null;
}

const FIXED: Record<string, Route> = {
  '/v2/health/live': { kind: 'live', method: 'GET', model: null, version: null },
  '/v2/health/ready': { kind: 'ready', method: 'GET', model: null, version: null },
  '/v2': { kind: 'server', method: 'GET', model: null, version: null },
  '/metrics': { kind: 'metrics', method: 'GET', model: null, version: null },
};

const V2 = /^\/v2\/models\/([^/]+)(?:\/versions\/([^/]+))?(\/ready|\/infer)?$/;
const V1 = /^\/v1\/models\/([^/:]+)(?:\/versions\/([^/:]+))?(:predict|\/metadata)?$/;

/** The route of a path, null when there is none; throws URIError on a bad percent-encoding. */
export function matchRoute(rawPath: string): Route | null {
  const fixed = FIXED[rawPath];
  if (fixed) return fixed;
  const path = rawPath.includes('%') ? decodeURIComponent(rawPath) : rawPath;
  let m = V2.exec(path);
  if (m) {
    const kind = m[3] === '/infer' ? 'v2-infer' : m[3] === '/ready' ? 'v2-model-ready' : 'v2-model';
    return { kind, method: kind === 'v2-infer' ? 'POST' : 'GET', model: m[1]!, version: m[2] ?? null };
  }
  m = V1.exec(path);
  if (m) {
    const kind = m[3] === ':predict' ? 'v1-predict' : m[3] === '/metadata' ? 'v1-metadata' : 'v1-status';
    return { kind, method: kind === 'v1-predict' ? 'POST' : 'GET', model: m[1]!, version: m[2] ?? null };
  }
  return FIXED[path] ?? null;
}

/** Routes that need the bearer token when one is set (probes and the metrics scrape stay open). */
export function needsToken(kind: RouteKind): boolean {
  return kind === 'v2-infer' || kind === 'v1-predict' || kind === 'v2-model' || kind === 'v1-status' || kind === 'v1-metadata';
}
