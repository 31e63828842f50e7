// Classifies a parsed request target against the route rows, the way gorilla mux picks dockerd's handler:
// rows are tried in registration order and the first whose template matches wins.
// Templates are compiled once at load into segment matchers indexed by method and first segment,
// so a request costs a map lookup and a few string comparisons.
import type { RequestTarget } from './request-target.js';
import type { Route } from './route.js';
import { OPERATIONS } from './operations.js';
import { ROUTE_ROWS, type Operation, type RouteRow } from './routes.js';

/** One template segment: a literal, a variable of exactly one segment, or one of one-or-more segments. */
type TemplatePart = { kind: 'literal'; text: string } | { kind: 'segment' } | { kind: 'segments' };

interface CompiledRow {
  readonly parts: readonly TemplatePart[];
  /** Index of the one-or-more-segments variable, or -1. */
  readonly spanAt: number;
  /** Index of the first variable (the target), or -1. */
  readonly targetAt: number;
  readonly row: RouteRow<Operation>;
  /** The answer for rows without a target, shared by every request. */
  readonly fixedRoute?: Route;
}

function compileTemplate(row: RouteRow<Operation>): CompiledRow {
  if (!row.path.startsWith('/')) throw new Error(`route template ${row.path} must start with /`);
  const parts = row.path
    .slice(1)
    .split('/')
    .map((segment): TemplatePart => {
      if (!segment.startsWith('{')) return { kind: 'literal', text: segment };
      // gorilla's default variable pattern is [^/]+; `.*` and `.+` may span slashes. Empty segments
      // never reach the table (the request-target parser refuses them), so `.*` and `.+` behave alike.
      return segment.endsWith(':.*}') || segment.endsWith(':.+}') ? { kind: 'segments' } : { kind: 'segment' };
    });
  if (parts[0]?.kind !== 'literal') throw new Error(`route template ${row.path} must start with a literal segment`);
  if (parts.filter((part) => part.kind === 'segments').length > 1) {
    throw new Error(`route template ${row.path} has more than one variable spanning segments`);
  }
  const targetAt = row.target === undefined ? -1 : parts.findIndex((part) => part.kind !== 'literal');
  if (row.target !== undefined && targetAt === -1) throw new Error(`route template ${row.path} has a target kind but no variable`);
  const compiled = { parts, spanAt: parts.findIndex((part) => part.kind === 'segments'), targetAt, row };
  return targetAt === -1 && row.nameParameter === undefined ? { ...compiled, fixedRoute: Object.freeze(routeOf(row)) } : compiled;
}

function routeOf(row: RouteRow<Operation>, ref?: string, segments?: readonly [number, number]): Route {
  const route: Route = { operation: row.operation, mutates: OPERATIONS[row.operation].access === 'write', transport: row.transport };
  if (ref !== undefined && row.target !== undefined) route.target = segments === undefined ? { kind: row.target, ref } : { kind: row.target, ref, segments };
  if (row.creates !== undefined) route.creates = row.creates;
  return route;
}

/** method → first literal segment → rows in registration order. */
const INDEX = new Map<string, Map<string, CompiledRow[]>>();
for (const row of ROUTE_ROWS) {
  const compiled = compileTemplate(row);
  const first = row.path.split('/')[1]!;
  let byFirstSegment = INDEX.get(row.method);
  if (!byFirstSegment) INDEX.set(row.method, (byFirstSegment = new Map()));
  let rows = byFirstSegment.get(first);
  if (!rows) byFirstSegment.set(first, (rows = []));
  rows.push(compiled);
}

/**
 * The route a request takes, or undefined when dockerd would answer 404 (no such route for this method).
 * The method is compared exactly, as Go does (`get` is not `GET`).
 */
export function classifyRoute(method: string, target: RequestTarget): Route | undefined {
  const rows = INDEX.get(method)?.get(target.segments[0]!);
  if (!rows) return undefined;
  for (const compiled of rows) {
    const route = match(compiled, target.segments);
    if (route) return compiled.row.nameParameter === undefined ? route : namedByQuery(route, compiled.row, target);
  }
  return undefined;
}

/** A create named by a query parameter targets the object it will make. */
function namedByQuery(route: Route, row: RouteRow<Operation>, target: RequestTarget): Route {
  const name = target.query.get(row.nameParameter!);
  if (name !== undefined && name !== '') route.target = { kind: row.creates!, ref: name };
  return route;
}

function match(compiled: CompiledRow, segments: readonly string[]): Route | undefined {
  const { parts, spanAt } = compiled;
  // A spanning variable takes one segment plus every extra one the request has; the parts after it
  // sit `shift` segments further along. Without one (spanAt -1) the lengths must agree and shift is 0.
  const shift = segments.length - parts.length;
  if (spanAt === -1 ? shift !== 0 : shift < 0) return undefined;
  // Compare from the end: the last literal (`json`, `start`, `logs`) tells rows apart soonest.
  for (let p = parts.length - 1; p >= 0; p--) {
    const part = parts[p]!;
    if (part.kind === 'literal' && segments[p > spanAt ? p + shift : p] !== part.text) return undefined;
  }
  if (compiled.fixedRoute) return compiled.fixedRoute;
  const at = compiled.targetAt;
  if (at === -1) return routeOf(compiled.row);
  const start = at > spanAt && spanAt !== -1 ? at + shift : at;
  const end = at === spanAt ? at + shift + 1 : start + 1;
  return routeOf(compiled.row, segments.slice(start, end).join('/'), [start, end]);
}
