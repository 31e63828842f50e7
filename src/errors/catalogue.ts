// The one catalogue of every refusal and failure the gateway answers with itself.
// Codes and rule names are stable: operators grep audit logs for them and docs link to them.

export interface CatalogueEntry {
  /** HTTP status the client receives. */
  status: number;
  /** The rule that refused, as printed in "denied by <rule>" unless a policy rule overrides it. */
  rule: string;
  /** What `Dockgate-Decision` says: `deny` for refusals, `error` when the gateway could not serve. */
  decision: 'deny' | 'error';
}

export const CATALOGUE = {
  DG_PATH_MALFORMED: { status: 400, rule: 'path.canonical', decision: 'deny' },
  DG_API_VERSION_UNSUPPORTED: { status: 400, rule: 'api.min-version', decision: 'deny' },
  DG_QUERY_MALFORMED: { status: 400, rule: 'query.canonical', decision: 'deny' },
  DG_QUERY_REPEATED: { status: 400, rule: 'query.single-value', decision: 'deny' },
  DG_HEADER_MALFORMED: { status: 400, rule: 'header.canonical', decision: 'deny' },
  DG_HEADERS_TOO_LARGE: { status: 431, rule: 'header.size', decision: 'deny' },
  DG_BODY_MALFORMED: { status: 400, rule: 'body.canonical', decision: 'deny' },
  DG_BODY_TOO_LARGE: { status: 413, rule: 'body.size', decision: 'deny' },
  DG_ROUTE_UNKNOWN: { status: 403, rule: 'route.known', decision: 'deny' },
  DG_POLICY_DENIED: { status: 403, rule: 'policy', decision: 'deny' },
  DG_AUDIT_UNAVAILABLE: { status: 503, rule: 'audit.durable', decision: 'deny' },
  DG_UPSTREAM_UNREACHABLE: { status: 502, rule: 'upstream.reachable', decision: 'error' },
  DG_UPSTREAM_FAILED: { status: 502, rule: 'upstream.response', decision: 'error' },
} as const satisfies Record<string, CatalogueEntry>;

export type ErrorCode = keyof typeof CATALOGUE;

export interface RefusalDetail {
  /** What was refused, e.g. `POST /containers/create` or `HostConfig.Privileged`. */
  what: string;
  /** Why, in one clause without a trailing full stop. */
  why: string;
  /** How to fix it, one sentence. */
  fix: string;
  /** Overrides the catalogue's rule name (policy rules name themselves). */
  rule?: string;
}

/**
 * A refusal or failure answered by the gateway itself. Thrown (or returned) by any layer;
 * the gateway turns it into a Docker-style JSON error so the CLI prints
 * `Error response from daemon: dockgate: ...`.
 */
export class GatewayError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly rule: string;
  readonly decision: 'deny' | 'error';
  readonly detail: RefusalDetail;

  constructor(code: ErrorCode, detail: RefusalDetail) {
    const entry: CatalogueEntry = CATALOGUE[code];
    const rule = detail.rule ?? entry.rule;
    super(
      entry.decision === 'deny'
        ? `dockgate: ${detail.what} denied by ${rule}: ${detail.why}. ${detail.fix}`
        : `dockgate: ${detail.what} failed (${rule}): ${detail.why}. ${detail.fix}`,
    );
    this.name = 'GatewayError';
    this.code = code;
    this.status = entry.status;
    this.rule = rule;
    this.decision = entry.decision;
    this.detail = detail;
  }

  /** The response body, exactly as dockerd shapes its own errors. */
  toJSON(): { message: string } {
    return { message: this.message };
  }
}

export function isGatewayError(value: unknown): value is GatewayError {
  return value instanceof GatewayError;
}
