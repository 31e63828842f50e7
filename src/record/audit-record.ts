// One line of the audit trail: what was asked, by whom, what the gateway decided and what came of it.
// Serialised here, field by field, so that nothing but these fields can ever reach the log.

import type { ConnectionRefusalCause } from '../errors/catalogue.js';
import type { ContainerIdentity, Identity } from '../identify/identity.js';
import type { NormalisationLog } from '../route/normalisation.js';
import type { ObjectKind } from '../route/route.js';
import type { AppliedDefault } from '../judge/decision.js';
import { REDACT_KINDS, type RedactKind } from '../judge/redaction.js';
import { needsJson, type RequestNeeds } from './request-needs.js';

/**
 * `deny` and `error` are answered by the gateway itself; `would_deny` is a request that policy refused
 * but that was forwarded because the rule runs in audit mode.
 */
export type AuditDecision = 'allow' | 'deny' | 'would_deny' | 'error';

/**
 * What both phases say about the request. Every field is a value the gateway computed; there is
 * deliberately no field for headers, query strings or bodies: `X-Registry-Auth` carries registry
 * passwords, `?remote=`/`?fromSrc=` URLs carry tokens and bodies carry secrets and environment values.
 */
interface RequestFacts {
  /** When the record was made, ISO 8601 in UTC. */
  time: string;
  /** The request id, shared by the `forwarding` and `done` records of one request. */
  id: string;
  /** The listener the request arrived on, as given on the command line. */
  listener: string;
  identity: Identity;
  method: string;
  /** The canonical path as forwarded (or as far as it parsed); a query string is cut off when written. */
  path: string;
  /** The API version the path asked for (`1.41`); absent when the path has none. */
  apiVersion?: string;
  /** The route's operation (`container.create`); absent when the path matched no route. */
  operation?: string;
  target?: { kind: ObjectKind; ref: string };
  /** The policy rule (or catalogue rule, e.g. `body.canonical`) that decided. */
  rule: string;
  /** Why, in one clause written by the gateway; never a copy of request content. */
  reason: string;
  /** The owner the client's rule gave it (docs/owners-design.md); absent for a client without one, or refused before its owner was known. */
  owner?: string;
  /** Defaults the policy applied to the forwarded request; absent when it applied none. */
  changes?: readonly AppliedDefault[];
  /**
   * Where the canonical request differs from the one sent (renamed keys, dropped unknown fields,
   * resolved repeats and legacy fields), by path, never value; absent when it does not.
   */
  normalised?: NormalisationLog;
}

/**
 * Written before a state-changing request (`Route.mutates`) is forwarded: it is in the file
 * (`AuditSink.writeDurable` resolved) before the first byte goes to the engine, so a gateway that
 * crashes mid-request still leaves proof of what it let through, and on disk (fdatasync'ed) before the
 * client hears the answer, or before the engine hears the request under `--audit-sync before-forward`.
 */
export interface ForwardingRecord extends RequestFacts {
  phase: 'forwarding';
  decision: 'allow' | 'would_deny';
}

/**
 * Written for every request once it is over: forwarded or not, mutating or not. A request the gateway
 * refuses gets only this record (decision `deny`), as does a read-only request.
 */
export interface DoneRecord extends RequestFacts {
  phase: 'done';
  decision: AuditDecision;
  /**
   * How to fix a refusal, one sentence written by the gateway (the `fix` of the refusal the client was sent,
   * or for `would_deny` the one it would have been sent); absent on allowed requests.
   */
  fix?: string;
  /** The HTTP status sent to the client (101 for a hijacked stream); 0 when none was sent. */
  status: number;
  /** Body bytes received from the client and sent back to it (both directions of a hijacked stream). */
  bytesIn: number;
  bytesOut: number;
  durationMs: number;
  /** Ids of the objects the engine created for this request (container, exec, volume, ...). */
  created: readonly string[];
  /**
   * What the answer was redacted of (the rule's `redact:`): each kind that applied to this answer, with how
   * many values were replaced; absent when nothing was redacted. Counts, never the values.
   */
  redacted?: Partial<Record<RedactKind, number>>;
  /** Set when dockgate kept the answer to the client's owner (events, df: answers the engine cannot filter by owner). */
  ownerFiltered?: true;
  /**
   * What the request asked of the host (bind sources, capabilities, namespaces, limits, ports, image, drivers),
   * read from the judged body whatever the rule judged, for `dockgate policy learn`; absent when it asked
   * nothing beyond the engine's defaults. Facts, never the body: no environment, labels or credentials.
   */
  needs?: RequestNeeds;
}

/**
 * The audit trail is JSON Lines: one object per line, in this shape.
 *
 * Two phases: a request that mutates gets a `forwarding` record, durable before it is forwarded,
 * and every request gets a final `done` record (decision, status, bytes, duration, created ids).
 * A denied request gets only its `done` record. Records of one request share `id`.
 */
export type AuditRecord = ForwardingRecord | DoneRecord | ConnectionRecord;

/**
 * The certificate a refused client presented, as read from the handshake. Not verified (that is why it
 * was refused): a certificate from another CA can claim any subject. Public data only, never a key.
 */
export interface PresentedCertificate {
  cn?: string;
  o: readonly string[];
  ou: readonly string[];
  /** The issuer's CN (or whole name), as the certificate claims it. */
  issuer?: string;
  serial: string;
  /** SHA-256, upper-case hex with colons. */
  fingerprint: string;
  /** ISO 8601. */
  notBefore?: string;
  notAfter?: string;
}

/**
 * A connection refused before any request could be read (`phase: "connection"`, decision `deny`): closed
 * at accept because its network is not allowed (rule `listener.network`), at the end of the TLS handshake
 * because its certificate did not pass (`tls.handshake`), or when a reloaded CRL revoked the certificate
 * of an open connection (`tls.revocation`); over --max-connections (`limits.connections`); or when what it
 * sent was no request (the HTTP parser's refusals: `header.canonical`, `header.size`, and a head or a TLS
 * handshake not finished within --headers-timeout, `limits.headers-timeout`). There is no request, so no method, path or identity: the peer
 * is its address (or its unix credentials), and the certificate it presented is reported apart, as presented.
 */
export interface ConnectionRecord {
  time: string;
  /** Unique like request ids; a connection has one record. */
  id: string;
  phase: 'connection';
  listener: string;
  /**
   * The peer: its address and port as seen on accept (`127.0.0.2:51324`), or on a unix socket its
   * credentials (`uid=1000(ci) gid=1000(ci) pid=4242`); absent on a record that sums up several.
   */
  remote?: string;
  decision: 'deny';
  rule: string;
  /** A stable token from CONNECTION_REFUSALS in src/errors/catalogue.ts (`certificate-revoked`, ...). */
  cause: ConnectionRefusalCause;
  /** Why, in words written by the gateway. */
  reason: string;
  certificate?: PresentedCertificate;
  /** How many refused connections this record stands for, when more than one: refusals arriving faster than they are recorded one by one are summed up. */
  count?: number;
}

/** `METHOD path` of the request a record is about, as used in refusal messages; a connection record names its peer. */
export function recordRequestLine(record: AuditRecord): string {
  if (record.phase === 'connection') return `connection from ${record.remote ?? 'several peers'}`;
  return `${record.method} ${pathWithoutQuery(record.path)}`;
}

/**
 * The record as one JSON line, newline included. Every field is written by name in a fixed key order,
 * so extra properties a caller attached at runtime (TypeScript's structural types allow them) never
 * reach the log, and a grep for a key always finds it in the same place. Built as a string, field by
 * field, because it runs for every request: an intermediate object per record costs more than the rest
 * of the line, and the identity (the same for every request of a connection) is serialised once.
 */
export function formatAuditRecord(record: AuditRecord): string {
  if (record.phase === 'connection') return formatConnectionRecord(record);
  let line = `{"time":${timeJson(record.time)},"id":${str(record.id)},"phase":${known(record.phase)},"listener":${known(record.listener)}`;
  line += `,"identity":${identityJson(record.identity)},"method":${known(record.method)},"path":${str(pathWithoutQuery(record.path))}`;
  if (record.apiVersion !== undefined) line += `,"apiVersion":${known(record.apiVersion)}`;
  if (record.operation !== undefined) line += `,"operation":${known(record.operation)}`;
  if (record.target !== undefined) line += `,"target":{"kind":${known(record.target.kind)},"ref":${str(record.target.ref)}}`;
  line += `,"decision":${known(record.decision)},"rule":${known(record.rule)},"reason":${known(record.reason)}`;
  if (record.owner !== undefined) line += `,"owner":${str(record.owner)}`;
  if (record.phase === 'done') {
    if (record.fix !== undefined) line += `,"fix":${known(record.fix)}`;
    line += `,"status":${num(record.status)},"bytesIn":${num(record.bytesIn)},"bytesOut":${num(record.bytesOut)},"durationMs":${num(record.durationMs)}`;
    line += `,"created":${record.created.length === 0 ? '[]' : JSON.stringify(record.created.map(String))}`;
    if (record.redacted !== undefined)
      line += `,"redacted":{${REDACT_KINDS.filter((k) => record.redacted![k] !== undefined)
        .map((k) => `"${k}":${num(record.redacted![k]!)}`)
        .join(',')}}`;
    if (record.ownerFiltered === true) line += `,"ownerFiltered":true`;
    if (record.needs !== undefined) line += `,"needs":${needsJson(record.needs)}`;
  }
  if (record.changes !== undefined) {
    const changes = record.changes.map((change) => ({
      field: change.field,
      value: typeof change.value === 'object' && change.value !== null ? [...change.value] : change.value,
    }));
    line += `,"changes":${JSON.stringify(changes)}`;
  }
  if (record.normalised !== undefined) {
    const notes = record.normalised.entries.map((n) =>
      n.to === undefined ? { kind: String(n.kind), path: String(n.path) } : { kind: String(n.kind), path: String(n.path), to: String(n.to) },
    );
    line += `,"normalised":${JSON.stringify(notes)}`;
    if (record.normalised.omitted > 0) line += `,"normalisedOmitted":${num(record.normalised.omitted)}`;
  }
  return withLineBreaksEscaped(`${line}}\n`);
}

/**
 * JSON.stringify leaves U+0085, U+2028 and U+2029 raw: valid JSON, but line splitters (Python's
 * splitlines, many log shippers, editors) break the record there. They can only stand inside strings, so
 * they are written as escapes; the line is scanned once and copied only when it holds one.
 */
const LINE_BREAKS = /[\u0085\u2028\u2029]/g;

function withLineBreaksEscaped(line: string): string {
  LINE_BREAKS.lastIndex = 0;
  if (!LINE_BREAKS.test(line)) return line;
  return line.replace(LINE_BREAKS, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** A connection record, field by field like the others (rare: no need to build it as a string). */
function formatConnectionRecord(record: ConnectionRecord): string {
  const c = record.certificate;
  const line = {
    time: String(record.time),
    id: String(record.id),
    phase: 'connection',
    listener: String(record.listener),
    remote: record.remote === undefined ? undefined : String(record.remote),
    decision: 'deny',
    rule: String(record.rule),
    cause: String(record.cause),
    reason: String(record.reason),
    certificate: c && {
      cn: c.cn === undefined ? undefined : String(c.cn),
      o: c.o.map(String),
      ou: c.ou.map(String),
      issuer: c.issuer === undefined ? undefined : String(c.issuer),
      serial: String(c.serial),
      fingerprint: String(c.fingerprint),
      notBefore: c.notBefore === undefined ? undefined : String(c.notBefore),
      notAfter: c.notAfter === undefined ? undefined : String(c.notAfter),
    },
    count: record.count === undefined ? undefined : Number(record.count),
  };
  return withLineBreaksEscaped(`${JSON.stringify(line)}\n`);
}

const str = (text: string): string => JSON.stringify(String(text));

/**
 * The JSON of values that repeat from record to record (listener, method, operation, rule, reason): kept
 * rather than escaped again for every request. Bounded: emptied when full, since a reason can name an
 * object and so take many values.
 */
const knownJson = new Map<string, string>();
const KNOWN_JSON_LIMIT = 4096;

function known(text: string): string {
  let json = knownJson.get(text);
  if (json === undefined) {
    if (knownJson.size >= KNOWN_JSON_LIMIT) knownJson.clear();
    json = str(text);
    knownJson.set(text, json);
  }
  return json;
}

/** Records made in the same millisecond share their time stamp (see record-time.ts): its JSON is kept too. */
let lastTime = '';
let lastTimeJson = '""';

function timeJson(time: string): string {
  if (time !== lastTime) {
    lastTimeJson = str(time);
    lastTime = time;
  }
  return lastTimeJson;
}

const num = (value: number): string => (Number.isFinite(value) ? String(Number(value)) : 'null');

/** Identities are made once per connection and never changed, so their JSON is kept with them. */
const identityJsonCache = new WeakMap<Identity, string>();

function identityJson(identity: Identity): string {
  let json = identityJsonCache.get(identity);
  if (json === undefined) {
    json = JSON.stringify(identityFields(identity));
    identityJsonCache.set(identity, json);
  }
  return json;
}

function pathWithoutQuery(path: string): string {
  const query = path.indexOf('?');
  return query === -1 ? path : path.slice(0, query);
}

/** A container as records name it: id, name, image and Compose project and service; its other labels are not recorded (they may be many, and are the operator's to read from the engine). */
function recordedContainer(container: ContainerIdentity): Omit<ContainerIdentity, 'labels'> {
  return {
    id: container.id,
    name: container.name,
    image: container.image,
    ...(container.composeProject !== undefined && { composeProject: container.composeProject }),
    ...(container.composeService !== undefined && { composeService: container.composeService }),
  };
}

/** The identity as records write it (a plain object: JSON.stringify's key order is this one). */
function identityFields(identity: Identity): object {
  switch (identity.kind) {
    case 'unix':
      return {
        kind: 'unix',
        listener: identity.listener,
        uid: identity.uid,
        gid: identity.gid,
        pid: identity.pid,
        user: identity.user,
        group: identity.group,
        ...(identity.container !== undefined && { container: recordedContainer(identity.container) }),
        ...(identity.noContainer !== undefined && { noContainer: identity.noContainer }),
      };
    case 'tls':
      return {
        kind: 'tls',
        listener: identity.listener,
        address: identity.address,
        cn: identity.cn,
        o: [...identity.o],
        ou: [...identity.ou],
        san: [...identity.san],
        fingerprint: identity.fingerprint,
        serial: identity.serial,
      };
    case 'tcp':
      return { kind: 'tcp', listener: identity.listener, address: identity.address };
  }
}
