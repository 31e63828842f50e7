// Load that changes state through the gateway, and the check that the audit trail covers it: every create
// and destroy the engine's own event stream shows (the ground truth) is paired with a `forwarding` record
// written before the engine acted. Shared by the suites that cut the gateway short (SIGKILL, a full disk).

import assert from 'node:assert/strict';
import { Client } from 'undici';
import type { AuditLine } from './audit-log-reader.js';
import type { EngineEvent } from './engine-events.js';
import { sendJson } from './json-request.js';

export interface MutatingLoad {
  /** Requests answered with a 2xx. */
  answered: number;
  /** Requests answered with a refusal the caller expects (e.g. 503 while the audit log cannot be written). */
  refused: number;
  /** Requests whose connection was cut once `stopped()` held: they were in flight when the gateway died. */
  cutByStop: number;
  /** Anything else: an unexpected answer, or a failure while the gateway should be serving. Must stay empty. */
  unexpected: string[];
}

export interface MutatingLoadOptions {
  socketPath: string;
  clients: number;
  /** Names of the objects the load creates start with this, e.g. `sk-` (volumes) and `sk-c-` (containers). */
  prefix: string;
  /** Numbers the objects, unique across rounds. */
  nextName: () => number;
  /** True once the load should end: the gateway was killed, or the test has seen enough. */
  stopped: () => boolean;
  /** A non-2xx answer the caller expects; the client goes on with its next round instead of stopping. */
  isExpectedRefusal?: (status: number, body: string) => boolean;
}

/**
 * `clients` clients, one connection each, creating and deleting named volumes and containers in a loop
 * until `stopped()`. A client stops at its first unexpected answer; after an expected refusal it skips
 * what depended on the refused request and goes on.
 */
export function startMutatingLoad(options: MutatingLoadOptions): { load: MutatingLoad; finished: Promise<void> } {
  const { socketPath, prefix, nextName, stopped } = options;
  const load: MutatingLoad = { answered: 0, refused: 0, cutByStop: 0, unexpected: [] };
  const worker = async (): Promise<void> => {
    const client = new Client('http://localhost', { socketPath, pipelining: 1, connect: { timeout: 5_000 } });
    /** 'ok', 'refused' (expected), or 'stop' (unexpected, or the gateway is gone). */
    const send = async (method: 'POST' | 'DELETE', path: string, body?: unknown): Promise<'ok' | 'refused' | 'stop'> => {
      try {
        const response = await sendJson(client, method, path, body);
        const text = response.text;
        if (response.statusCode >= 200 && response.statusCode <= 299) {
          load.answered += 1;
          return 'ok';
        }
        if (options.isExpectedRefusal?.(response.statusCode, text) === true) {
          load.refused += 1;
          return 'refused';
        }
        load.unexpected.push(`${method} ${path} answered ${response.statusCode}: ${text.trim()}`);
        return 'stop';
      } catch (error) {
        if (stopped()) load.cutByStop += 1;
        else load.unexpected.push(`${method} ${path} failed while the gateway was serving: ${(error as Error).message}`);
        return 'stop';
      }
    };
    try {
      while (!stopped()) {
        const n = nextName();
        const volume = await send('POST', '/v1.41/volumes/create', { Name: `${prefix}${n}` });
        if (volume === 'stop') break;
        if (volume === 'refused') continue;
        const container = await send('POST', `/v1.41/containers/create?name=${prefix}c-${n}`, { Image: 'busybox:test', Cmd: ['true'] });
        if (container === 'stop') break;
        if (container === 'ok' && (await send('DELETE', `/v1.41/containers/${prefix}c-${n}?force=1`)) === 'stop') break;
        if ((await send('DELETE', `/v1.41/volumes/${prefix}${n}`)) === 'stop') break;
      }
    } finally {
      await client.destroy().catch(() => undefined);
    }
  };
  const finished = Promise.all(Array.from({ length: options.clients }, worker)).then(() => undefined);
  return { load, finished };
}

/** The operation the gateway names for an engine event on an object named `prefix…`, and the names the event gives the object. */
export function eventOperation(event: EngineEvent, prefix: string): { operation: string; name: string; id: string } | undefined {
  const kind = event.Type === 'volume' ? 'volume' : event.Type === 'container' ? 'container' : undefined;
  const verb = event.Action === 'create' ? 'create' : event.Action === 'destroy' ? 'delete' : undefined;
  if (kind === undefined || verb === undefined) return undefined;
  const name = kind === 'volume' ? event.Actor.ID : (event.Actor.Attributes?.['name'] ?? '');
  if (!name.startsWith(prefix)) return undefined; // markers and the engine's own objects
  return { operation: `${kind}.${verb}`, name, id: event.Actor.ID };
}

export interface Coverage {
  /** Events matched to a forwarding record naming the object (target.ref). */
  byName: number;
  /** Events matched through the done record of the same request, which names the created object. */
  byDoneRecord: number;
  /** Events matched to a forwarding record of the same operation whose request never got a done record. */
  byOrphan: number;
  unmatched: string[];
}

/**
 * Pairs every engine event on an object named `prefix…` with a distinct forwarding record that was written
 * before the engine acted: by the object's name where the record names it, else through the request's done
 * record (`created`), else with a forwarding record of the same operation whose request was cut short.
 */
export function matchEventsToRecords(events: EngineEvent[], records: AuditLine[], prefix: string): Map<string, Coverage> {
  const lineOf = new Map(records.map((r, index) => [r, index]));
  const forwarding = records.filter((r) => r.phase === 'forwarding');
  const doneById = new Map(records.filter((r) => r.phase === 'done').map((r) => [r.id, r]));
  const forwardingById = new Map(forwarding.map((r) => [r.id, r]));
  const used = new Set<AuditLine>();
  const coverage = new Map<string, Coverage>();
  const coverageOf = (operation: string): Coverage => {
    let c = coverage.get(operation);
    if (c === undefined) coverage.set(operation, (c = { byName: 0, byDoneRecord: 0, byOrphan: 0, unmatched: [] }));
    return c;
  };
  const recordedBefore = (record: AuditLine, event: EngineEvent): boolean => Date.parse(record.time) <= event.timeNano / 1e6 + 1;

  const leftover: { event: EngineEvent; operation: string; name: string }[] = [];
  for (const event of [...events].sort((a, b) => a.timeNano - b.timeNano)) {
    const what = eventOperation(event, prefix);
    if (what === undefined) continue;
    const { operation, name, id } = what;
    const byName = forwarding.find((r) => !used.has(r) && r.operation === operation && (r.target?.ref === name || r.target?.ref === id) && recordedBefore(r, event));
    if (byName !== undefined) {
      used.add(byName);
      coverageOf(operation).byName += 1;
      continue;
    }
    const done = [...doneById.values()].find((r) => r.operation === operation && (r.created ?? []).some((c) => c === id || c === name));
    const viaDone = done === undefined ? undefined : forwardingById.get(done.id);
    if (viaDone !== undefined && done !== undefined && !used.has(viaDone) && recordedBefore(viaDone, event)) {
      assert.ok(lineOf.get(viaDone)! < lineOf.get(done)!, `the forwarding record of ${done.id} precedes its done record`);
      used.add(viaDone);
      coverageOf(operation).byDoneRecord += 1;
      continue;
    }
    leftover.push({ event, operation, name });
  }
  // What is left can only be requests cut short: their forwarding record has no done record.
  for (const { event, operation, name } of leftover) {
    const orphan = forwarding.find((r) => !used.has(r) && r.operation === operation && !doneById.has(r.id) && recordedBefore(r, event));
    if (orphan !== undefined) {
      used.add(orphan);
      coverageOf(operation).byOrphan += 1;
    } else {
      coverageOf(operation).unmatched.push(`${operation} ${name} (engine event at ${new Date(event.timeNano / 1e6).toISOString()})`);
    }
  }
  return coverage;
}
