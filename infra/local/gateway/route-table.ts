/**
 * Route matching as API Gateway HTTP APIs do it: the method must match exactly, each `{name}`
 * template segment matches one whole non-empty path segment, and when several routes match, the
 * most specific one wins (a literal segment beats a parameter, compared left to right). No match is
 * a 404 — HTTP APIs have no 405.
 */
export interface RouteDefinition {
  method: string;
  /** API Gateway path syntax: `/v1/{campaignId}/reserve`. */
  path: string;
}

export interface RouteMatch<R extends RouteDefinition> {
  route: R;
  /** Decoded path parameter values, by name. */
  pathParameters: Record<string, string>;
}

type Segment = { literal: string } | { parameter: string };

interface CompiledRoute<R> {
  route: R;
  segments: Segment[];
}

const PARAMETER = /^\{([A-Za-z0-9_]+)\}$/;

function compile<R extends RouteDefinition>(route: R): CompiledRoute<R> {
  const segments = route.path
    .split('/')
    .slice(1)
    .map((part): Segment => {
      const parameter = PARAMETER.exec(part)?.[1];
      return parameter ? { parameter } : { literal: part };
    });
  return { route, segments };
}

/** Literal segments before parameters, left to right: `/v1/x/codes` outranks `/v1/{id}/codes`. */
function moreSpecific(a: CompiledRoute<unknown>, b: CompiledRoute<unknown>): number {
  for (let i = 0; i < Math.min(a.segments.length, b.segments.length); i++) {
    const aLiteral = 'literal' in a.segments[i]!;
    const bLiteral = 'literal' in b.segments[i]!;
    if (aLiteral !== bLiteral) return aLiteral ? -1 : 1;
  }
  return 0;
}

function decodeSegment(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined; // malformed percent-encoding matches no parameter
  }
}

export function routeTable<R extends RouteDefinition>(routes: readonly R[]) {
  const compiled = routes.map(compile).sort(moreSpecific);
  return {
    /** The route serving `method rawPath`, or undefined (404). `rawPath` is the path as sent. */
    match(method: string, rawPath: string): RouteMatch<R> | undefined {
      const parts = rawPath.split('/').slice(1);
      for (const candidate of compiled) {
        if (candidate.route.method !== method || candidate.segments.length !== parts.length) continue;
        const pathParameters: Record<string, string> = {};
        const matches = candidate.segments.every((segment, i) => {
          const part = parts[i]!;
          if ('literal' in segment) return segment.literal === part;
          const value = part === '' ? undefined : decodeSegment(part);
          if (value === undefined) return false;
          pathParameters[segment.parameter] = value;
          return true;
        });
        if (matches) return { route: candidate.route, pathParameters };
      }
      return undefined;
    },
  };
}
