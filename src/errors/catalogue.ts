// The one catalogue of every refusal and failure the gateway answers with itself.
// Codes and rule names are stable: operators grep audit logs for them and docs link to them.

export interface CatalogueEntry {
  /** HTTP status the client receives. */
  status: number;
  /** The rule that refused, as printed in "denied by <rule>" unless a policy rule overrides it. */
  rule: string;
  /** What `Dockgate-Decision` says: `deny` for refusals, `error` when the gateway could not serve. */
  decision: 'deny' | 'error';
  /** What the refusal means, for docs/errors.md (npm run docs:errors); the message sent says the why and fix of the one request. */
  means: string;
}

export const CATALOGUE = {
  DG_PATH_MALFORMED: {
    status: 400,
    rule: 'path.canonical',
    decision: 'deny',
    means: 'The request path has no single reading (doubled or trailing slashes, dot segments, bad percent-encoding, not starting with /).',
  },
  DG_API_VERSION_UNSUPPORTED: { status: 400, rule: 'api.min-version', decision: 'deny', means: 'The Engine API version in the path is older than --min-api-version.' },
  DG_API_VERSION_TOO_NEW: { status: 400, rule: 'api.max-version', decision: 'deny', means: 'The Engine API version in the path is newer than any the gateway knows how to read.' },
  DG_QUERY_MALFORMED: { status: 400, rule: 'query.canonical', decision: 'deny', means: 'The query string cannot be read the way the engine reads it.' },
  DG_HEADER_MALFORMED: { status: 400, rule: 'header.canonical', decision: 'deny', means: 'A header the engine reads (or the request head itself) is malformed or ambiguous.' },
  DG_HEADERS_TOO_LARGE: { status: 431, rule: 'header.size', decision: 'deny', means: 'The request head is larger than the gateway reads.' },
  DG_BODY_MALFORMED: { status: 400, rule: 'body.canonical', decision: 'deny', means: 'The body cannot be read as the engine would decode it, or needs canonicalising under bodies: strict.' },
  DG_BODY_TOO_LARGE: { status: 413, rule: 'body.size', decision: 'deny', means: 'A body the gateway must judge is larger than it holds for judging.' },
  DG_ROUTE_UNKNOWN: { status: 403, rule: 'route.known', decision: 'deny', means: 'The method and path are not an endpoint of the Engine API the gateway knows.' },
  DG_POLICY_DENIED: {
    status: 403,
    rule: 'policy',
    decision: 'deny',
    means: "The policy for this client does not allow the request; the message names the rule (a profile's or a policy file's) and what to change.",
  },
  DG_NOT_OWNED: {
    status: 404,
    rule: 'owner',
    decision: 'deny',
    means:
      "The request names an object of another owner, one with no owner, or none: the answer is the engine's own for a missing object, word for word, so that it tells nothing about other owners' objects. The audit record names the owner rule.",
  },
  DG_NAME_TAKEN: {
    status: 409,
    rule: 'owner',
    decision: 'deny',
    means:
      "A create or rename gives a name that an object of another owner (or of none) holds: answered in the engine's words for the conflict, without the holder's id, which the engine's own answer would tell. The audit record names the owner rule.",
  },
  DG_CREATE_IMAGE_CHANGED: {
    status: 409,
    rule: 'create.image',
    decision: 'deny',
    means: 'The engine resolved the image name of a create to another image than the one judged by the time it created the container: the container is removed again.',
  },
  DG_CONTAINER_BEING_CHECKED: { status: 409, rule: 'create.pending', decision: 'deny', means: 'The request names a container whose create is still being checked against the image judged.' },
  DG_AUDIT_UNAVAILABLE: {
    status: 503,
    rule: 'audit.durable',
    decision: 'deny',
    means: 'The audit log cannot be written, so requests that need a record first (state changes; every request under --audit-outage refuse-all) are refused.',
  },
  DG_UPSTREAM_UNREACHABLE: {
    status: 502,
    rule: 'upstream.reachable',
    decision: 'error',
    means: 'The engine socket does not answer; the gateway keeps running and recovers when the engine is back.',
  },
  DG_UPSTREAM_FAILED: { status: 502, rule: 'upstream.response', decision: 'error', means: "The engine's answer could not be read (malformed, or the connection ended mid-answer)." },
  // Requests that look like a web browser's, on the insecure loopback listener (src/listen/browser-request-guard.ts):
  // any page the user opens could send them (cross-site requests, DNS rebinding).
  DG_BROWSER_ORIGIN: {
    status: 403,
    rule: 'browser.origin',
    decision: 'deny',
    means: "On the insecure loopback listener: the request carries an Origin header, as a web page's does; on the admin listener's live view, another origin's.",
  },
  DG_BROWSER_FETCH_SITE: {
    status: 403,
    rule: 'browser.fetch-site',
    decision: 'deny',
    means:
      "On the insecure loopback listener: the request carries a Sec-Fetch-Site header other than none, as a web page's does; on the admin listener's live view, other than none or same-origin.",
  },
  DG_BROWSER_HOST: {
    status: 403,
    rule: 'browser.host',
    decision: 'deny',
    means: "On the insecure loopback listener: the Host header names none of the listener's hosts= (DNS rebinding); on the admin listener's live view, no loopback name of the listener.",
  },
  DG_BROWSER_CONTENT_TYPE: {
    status: 403,
    rule: 'browser.content-type',
    decision: 'deny',
    means: 'On the insecure loopback listener: a body of a type a page may send cross-site without a preflight.',
  },
  // Limits (src/admit/, src/listen/): floods and slow clients. 429s carry a Retry-After.
  DG_RATE_LIMITED: { status: 429, rule: 'limits.rate', decision: 'deny', means: 'The client sent more requests per second than --max-requests-per-second (and --burst) allow.' },
  DG_TOO_MANY_CONCURRENT: { status: 429, rule: 'limits.concurrency', decision: 'deny', means: 'The client has as many requests in flight as --max-concurrent-requests allows.' },
  DG_TOO_MANY_CONNECTIONS: { status: 503, rule: 'limits.connections', decision: 'deny', means: 'Every listener together already has --max-connections open.' },
  DG_HEADERS_TIMEOUT: { status: 408, rule: 'limits.headers-timeout', decision: 'deny', means: 'The request head did not arrive within --headers-timeout (a slowloris client).' },
  DG_BODY_TIMEOUT: { status: 408, rule: 'limits.body-timeout', decision: 'deny', means: 'The request body paused for longer than --body-timeout.' },
  // What bodies being judged may hold (src/admit/body-budgets.ts): memory across all clients (503) and one
  // client's share of it (429); disk for build contexts, the same two ways. All carry a Retry-After.
  DG_BODY_BUDGET: { status: 503, rule: 'limits.body-memory', decision: 'deny', means: 'Requests being judged already hold the memory budget (--body-memory) of all clients together.' },
  DG_BODY_BUDGET_SHARE: {
    status: 429,
    rule: 'limits.body-memory-per-identity',
    decision: 'deny',
    means: "This client's requests being judged already hold its share of the memory budget (--body-memory-per-identity).",
  },
  DG_SPOOL_BUDGET: {
    status: 503,
    rule: 'limits.spool-disk',
    decision: 'deny',
    means: 'Build contexts being judged already hold the spool disk budget of all clients together (--spool-disk).',
  },
  DG_SPOOL_BUDGET_SHARE: {
    status: 429,
    rule: 'limits.spool-disk-per-identity',
    decision: 'deny',
    means: "This client's build contexts being judged already hold its share of the spool disk budget (--spool-disk-per-identity).",
  },
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
  /**
   * The message the client receives in place of dockgate's wording: the engine's own, where dockgate's
   * would tell what must not be told (DG_NOT_OWNED, DG_NAME_TAKEN). `what`, `why` and `fix` still go to the record.
   */
  answer?: string;
  /** The body field refused, as `formatJsonPath` writes it (`HostConfig.Binds[0]`), where the refusal names one: `dockgate check` points at where it was written. */
  field?: string;
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
  /** Seconds the client should wait before retrying (sent as `Retry-After`), for refusals that pass with time. */
  readonly retryAfterSeconds: number | undefined;
  /** What the audit record says: dockgate's wording, also where the client was answered with the engine's (`detail.answer`). */
  readonly recorded: string;

  constructor(code: ErrorCode, detail: RefusalDetail, retryAfterSeconds?: number) {
    const entry: CatalogueEntry = CATALOGUE[code];
    const rule = detail.rule ?? entry.rule;
    // A refusal is an answer, not a bug: no stack trace is captured (on a refused request it cost as much
    // as reading the body) and none could reach a user anyway.
    const stackTraceLimit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    const wording =
      entry.decision === 'deny' ? `dockgate: ${detail.what} denied by ${rule}: ${detail.why}. ${detail.fix}` : `dockgate: ${detail.what} failed (${rule}): ${detail.why}. ${detail.fix}`;
    super(detail.answer ?? wording);
    this.recorded = detail.answer === undefined ? wording : `${wording} (answered as the engine would: ${detail.answer})`;
    Error.stackTraceLimit = stackTraceLimit;
    this.name = 'GatewayError';
    this.code = code;
    this.status = entry.status;
    this.rule = rule;
    this.decision = entry.decision;
    this.detail = detail;
    this.retryAfterSeconds = retryAfterSeconds;
  }

  /** The response body, exactly as dockerd shapes its own errors. */
  toJSON(): { message: string } {
    return { message: this.message };
  }
}

export function isGatewayError(value: unknown): value is GatewayError {
  return value instanceof GatewayError;
}

/**
 * Connections refused before a request could be read: no HTTP answer is possible, so each is a
 * `phase: "connection"` audit record and a log line naming its rule and cause (stable tokens).
 */
export const CONNECTION_REFUSALS = {
  /** Closed at accept: the peer's address is outside the listener's `?allow=` networks. */
  'network-not-allowed': { rule: 'listener.network', fix: "Connect from a network in the listener's allow= list, or add the client's network to it" },
  /** Closed after the TLS handshake, before any request: the client certificate did not pass. */
  'no-client-certificate': {
    rule: 'tls.handshake',
    fix: 'Present a client certificate signed by the CA of --tls-ca (DOCKER_TLS_VERIFY=1 DOCKER_CERT_PATH=DIR with DIR/cert.pem and DIR/key.pem)',
  },
  'unknown-ca': { rule: 'tls.handshake', fix: 'Use a client certificate issued by the CA of --tls-ca (dockgate certs issue NAME --dir DIR)' },
  'certificate-expired': { rule: 'tls.handshake', fix: 'Issue a new client certificate (dockgate certs issue NAME --dir DIR)' },
  'certificate-not-yet-valid': { rule: 'tls.handshake', fix: "Check the clocks of the client's issuer and of this host" },
  'certificate-revoked': { rule: 'tls.handshake', fix: 'The certificate was revoked; ask for a new one if access should continue' },
  'crl-unusable': { rule: 'tls.handshake', fix: 'Refresh the CRL of --tls-ca (dockgate certs crl --dir DIR); serve reloads it without a restart' },
  'no-client-auth-usage': { rule: 'tls.handshake', fix: 'Issue a client certificate with the clientAuth extended key usage (dockgate certs issue does)' },
  'certificate-invalid': { rule: 'tls.handshake', fix: 'Issue a new client certificate with the CA of --tls-ca' },
  /** A subject with several CNs: readers disagree on which is the client's name (src/identify/common-name.ts). */
  'ambiguous-subject': { rule: 'tls.handshake', fix: 'Issue the client a certificate whose subject has exactly one CN (dockgate certs issue NAME does)' },
  'tls-version': { rule: 'tls.handshake', fix: 'Use a client that speaks TLS 1.2 or newer' },
  'not-tls': { rule: 'tls.handshake', fix: 'Connect with TLS (DOCKER_TLS_VERIFY=1), not plain HTTP' },
  'server-certificate-refused': { rule: 'tls.handshake', fix: 'Give the client the CA that signed the server certificate (DOCKER_CERT_PATH/ca.pem) and a server name from its SANs' },
  'tls-error': { rule: 'tls.handshake', fix: 'See the TLS error code; the client and server could not agree on a secure connection' },
  /** Closed at accept: every listener together already has --max-connections open (plain listeners answer a 503 first). */
  'too-many-connections': { rule: CATALOGUE.DG_TOO_MANY_CONNECTIONS.rule, fix: 'Retry later; the operator can raise dockgate serve --max-connections' },
  /** Closed at accept: the address failed more TLS handshakes per second than --max-failed-handshakes-per-second. */
  'too-many-failed-handshakes': {
    rule: 'limits.tls-handshakes',
    fix: "Fix the client's certificate or TLS settings, then retry more slowly; the operator can raise dockgate serve --max-failed-handshakes-per-second",
  },
  /** The TLS handshake did not finish within --headers-timeout. */
  'tls-handshake-timeout': {
    rule: CATALOGUE.DG_HEADERS_TIMEOUT.rule,
    fix: 'Finish the TLS handshake promptly; a slower client is treated as a slowloris attack (dockgate serve --headers-timeout)',
  },
  /** Refused by the HTTP parser before a request existed (answered with a JSON 408, 431 or 400, then closed). */
  'headers-timeout': {
    rule: CATALOGUE.DG_HEADERS_TIMEOUT.rule,
    fix: 'Send the whole request head promptly; a slower client is treated as a slowloris attack (dockgate serve --headers-timeout)',
  },
  'headers-too-large': { rule: CATALOGUE.DG_HEADERS_TOO_LARGE.rule, fix: 'Send a request head smaller than 16 KiB' },
  'request-malformed': { rule: CATALOGUE.DG_HEADER_MALFORMED.rule, fix: 'Send a well-formed HTTP/1.1 request, as the Docker CLI and SDKs do' },
  /** An open connection closed when a reloaded CRL revoked its certificate. */
  'revoked-while-connected': { rule: 'tls.revocation', fix: 'The certificate was revoked; ask for a new one if access should continue' },
} as const satisfies Record<string, { rule: string; fix: string }>;

export type ConnectionRefusalCause = keyof typeof CONNECTION_REFUSALS;
