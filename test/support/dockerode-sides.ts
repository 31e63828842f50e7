// The real dockerode SDK on three sides of one private engine: its own socket (`direct`, the reference),
// dockgate under `--profile audit` and dockgate under `--profile baseline`. A workflow is run once per side,
// with names of its own on each (`...-side-audit`), and the results are compared after the side's name,
// the engine's ids and the swarm's ids are replaced by placeholders. Outcomes (success with a value, or the
// SDK's error with its HTTP status and message) are compared too: a request refused through the gateway
// that the engine accepts is a difference, not a skipped step. Every answer the gateway itself refused
// (`Dockgate-Decision: deny`) is recorded with its method, path and query, and message, so that a failing
// test says exactly which request it was.

import assert from 'node:assert/strict';
import { subscribe } from 'node:diagnostics_channel';
import type { ClientRequest, IncomingMessage } from 'node:http';
import { before } from 'node:test';
import Docker from 'dockerode';
import { startEngine, type Engine } from './engine.js';
import type { Endpoint } from './endpoint.js';
import { startGatewayInFront } from './gateway.js';
import { normaliseIds } from './normalise.js';
import { useTeardown } from './teardown.js';

/** What dockerode 5 offers that @types/dockerode does not declare. */
export interface DockerodeExtras {
  /** followProgress that also decodes BuildKit's (version 2) progress messages. */
  followProgress(stream: NodeJS.ReadableStream, onFinished: (error: Error | null, output: unknown[]) => void): void;
  /** GET /images/get?names=A&names=B: one archive of several images. */
  getImages(options: { names: string[] }): Promise<NodeJS.ReadableStream>;
}

export interface ContainerExtras {
  listCheckpoint(options?: Record<string, unknown>): Promise<unknown>;
  createCheckpoint(options?: Record<string, unknown>): Promise<unknown>;
}

export interface TaskExtras {
  logs(options?: Record<string, unknown>): Promise<Buffer | NodeJS.ReadableStream>;
}

/** The same client, with the methods its type declarations leave out. */
export const extras = (docker: Docker): Docker & DockerodeExtras => docker as Docker & DockerodeExtras;
export const taskExtras = (task: Docker.Task): Docker.Task & TaskExtras => task as Docker.Task & TaskExtras;
export const containerExtras = (container: Docker.Container): Docker.Container & ContainerExtras => container as Docker.Container & ContainerExtras;

export type SideName = 'direct' | 'audit' | 'baseline';

export interface Side {
  name: SideName;
  docker: Docker;
  endpoint: Endpoint;
  /** `side-direct`, `side-audit`, `side-baseline`: part of every name a workflow gives, replaced by `side-X` when compared. */
  tag: string;
}

export interface DockerodeSides {
  engine: Engine;
  direct: Side;
  audit: Side;
  baseline: Side;
  /** direct, audit, baseline: the reference first. */
  all: Side[];
}

/** Engine start, image import and two gateways take seconds; more means something hangs. */
const SETUP_TIMEOUT_MS = 180_000;

function side(name: SideName, endpoint: Endpoint): Side {
  const socketPath = new URL(endpoint.host).pathname;
  return { name, docker: new Docker({ socketPath }), endpoint, tag: `side-${name}` };
}

/**
 * Registers the hooks that start one private engine with a gateway under `--profile audit` and one under
 * `--profile baseline` in front of it, and stop them after the tests (failing if a gateway died meanwhile).
 */
export function useDockerodeSides(): () => DockerodeSides {
  const teardown = useTeardown();
  let started: DockerodeSides | undefined;
  before(
    async () => {
      const engine = await startEngine();
      teardown.add(() => engine.stop());
      const audit = await startGatewayInFront(engine, { profile: 'audit' });
      teardown.add(() => audit.stopRunning());
      const baseline = await startGatewayInFront(engine, { profile: 'baseline' });
      teardown.add(() => baseline.stopRunning());
      const sides = {
        direct: side('direct', engine.endpoint),
        audit: side('audit', { ...audit.unix, name: 'gateway-audit' }),
        baseline: side('baseline', { ...baseline.unix, name: 'gateway-baseline' }),
      };
      started = { engine, ...sides, all: [sides.direct, sides.audit, sides.baseline] };
    },
    { timeout: SETUP_TIMEOUT_MS },
  );
  return () => {
    if (started === undefined) throw new Error('the engine and the gateways did not start (see the before hook)');
    return started;
  };
}

// ---------------------------------------------------------------------------------------------------
// What the gateway refused

export interface RecordedRefusal {
  /** The socket the request went to: which gateway. */
  socketPath: string;
  method: string;
  /** Path and query, as the SDK sent them. */
  path: string;
  status: number;
  message: string;
}

const refusals: RecordedRefusal[] = [];
let recording = false;

/**
 * Starts recording every answer that carries `Dockgate-Decision: deny`, whichever client in this process
 * received it (node:http publishes each response on this channel before the client sees it).
 */
export function recordGatewayRefusals(): void {
  if (recording) return;
  recording = true;
  subscribe('http.client.response.finish', (message) => {
    const { request, response } = message as { request: ClientRequest & { socketPath?: string }; response: IncomingMessage };
    if (response.headers['dockgate-decision'] !== 'deny') return;
    const entry: RecordedRefusal = {
      socketPath: request.socketPath ?? '',
      method: request.method,
      path: request.path,
      status: response.statusCode ?? 0,
      message: '',
    };
    refusals.push(entry);
    const chunks: Buffer[] = [];
    response.on('data', (chunk: Buffer) => chunks.push(chunk));
    response.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      try {
        entry.message = String((JSON.parse(body) as { message?: unknown }).message);
      } catch {
        entry.message = body;
      }
    });
  });
}

/** How many refusals were recorded so far: a mark for `refusalsSince`. */
export function refusalCount(): number {
  return refusals.length;
}

export function refusalsSince(mark: number): RecordedRefusal[] {
  return refusals.slice(mark);
}

// ---------------------------------------------------------------------------------------------------
// Outcomes

export type Outcome<T> = { ok: true; value: T } | { ok: false; status: number | undefined; message: string };

/** What dockerode's errors carry: docker-modem's `statusCode` and the answer's JSON (or text). */
interface SdkError {
  statusCode?: number;
  json?: unknown;
  message?: string;
}

/** The engine's (or the gateway's) message from an SDK error: the JSON `message`, else the text, else the error's own. */
export function sdkErrorMessage(error: unknown): string {
  const { json, message } = (error ?? {}) as SdkError;
  if (json !== null && typeof json === 'object' && !Buffer.isBuffer(json) && typeof (json as { message?: unknown }).message === 'string') {
    return (json as { message: string }).message;
  }
  if (typeof json === 'string' && json.trim() !== '') return json.trim();
  if (Buffer.isBuffer(json) && json.length > 0) return json.toString('utf8').trim();
  // docker-modem's own wording: "(HTTP code 304) container already stopped - <cause> "
  return String(message ?? error).trim();
}

export async function attempt<T>(run: () => Promise<T>): Promise<Outcome<T>> {
  try {
    return { ok: true, value: await run() };
  } catch (error) {
    return { ok: false, status: (error as SdkError | undefined)?.statusCode, message: sdkErrorMessage(error) };
  }
}

/** Fails with the status and message when `outcome` is a failure; else returns its value. */
export function valueOf<T>(outcome: Outcome<T>, what: string): T {
  if (!outcome.ok) assert.fail(`${what} failed: HTTP ${outcome.status}: ${outcome.message}`);
  return outcome.value;
}

// ---------------------------------------------------------------------------------------------------
// Normalising and comparing

/** Swarm object ids (nodes, services, tasks, configs, secrets, the swarm itself): 25 characters of [0-9a-z]. */
const SWARM_ID = /\b(?=[0-9a-z]{25}\b)(?=[a-z]*[0-9])[0-9a-z]{25}\b/g;

/** Swarm ids become `<swarm1>`, `<swarm2>`, ... in order of first appearance. */
export function normaliseSwarmIds(text: string): string {
  const seen: string[] = [];
  return text.replace(SWARM_ID, (id) => {
    let index = seen.indexOf(id);
    if (index === -1) index = seen.push(id) - 1;
    return `<swarm${index + 1}>`;
  });
}

/**
 * A side's result as it can be compared with another side's: its tag becomes `side-X`, then engine ids and
 * swarm ids become placeholders. Buffers are compared as their bytes (base64), undefined as absent.
 */
export function normaliseForSide(value: unknown, side: Side): unknown {
  const text = JSON.stringify(value ?? null, (_key, v: unknown) => {
    if (v !== null && typeof v === 'object' && (v as { type?: unknown }).type === 'Buffer' && Array.isArray((v as { data?: unknown }).data)) {
      return { buffer: Buffer.from((v as { data: number[] }).data).toString('base64') };
    }
    return v;
  });
  return JSON.parse(normaliseSwarmIds(normaliseIds(text.replaceAll(side.tag, 'side-X')))) as unknown;
}

/** Replaces the values of `keys`, wherever they occur in `value`, with `<varies>`; returns a copy. */
export function scrub<T>(value: T, keys: readonly string[]): T {
  const drop = new Set(keys);
  return JSON.parse(JSON.stringify(value ?? null), (key, v: unknown) => (drop.has(key) && v !== undefined ? '<varies>' : v)) as T;
}

export interface CompareOptions {
  /** One side after the other instead of all at once (for results that must not overlap in time). */
  sequential?: boolean;
}

/**
 * Runs `workflow` on every side, asserts that every side's normalised result deep-equals the first side's,
 * and returns the first side's normalised result for the caller's own assertions. A workflow that throws
 * fails the comparison with the side's name and the error (a gateway's refusal message included).
 */
export async function sameOnEverySide<T>(sides: readonly Side[], workflow: (side: Side) => Promise<T>, options: CompareOptions = {}): Promise<unknown> {
  const run = async (s: Side): Promise<Outcome<unknown>> => {
    const outcome = await attempt(() => workflow(s));
    return outcome.ok ? { ok: true, value: normaliseForSide(outcome.value, s) } : outcome;
  };
  const outcomes: Outcome<unknown>[] = [];
  if (options.sequential === true) {
    for (const s of sides) outcomes.push(await run(s));
  } else {
    outcomes.push(...(await Promise.all(sides.map(run))));
  }
  const failures = outcomes.flatMap((outcome, index) => (outcome.ok ? [] : [`on ${sides[index]?.name}: HTTP ${outcome.status}: ${outcome.message}`]));
  assert.equal(failures.length, 0, `the workflow failed\n${failures.join('\n')}`);
  const [reference, ...others] = outcomes as { ok: true; value: unknown }[];
  others.forEach((outcome, index) => {
    assert.deepStrictEqual(outcome.value, reference?.value, `${sides[index + 1]?.name} differs from ${sides[0]?.name}`);
  });
  return reference?.value;
}

// ---------------------------------------------------------------------------------------------------
// Refusals by policy

/** `dockgate: <what> denied by <rule>: <why>. <fix>` (src/errors/catalogue.ts). */
const REFUSAL = /^dockgate: (?<what>.+?) denied by (?<rule>[^\s:]+): (?<why>.+?)\. (?<fix>\S.*)$/s;

/**
 * Asserts that `outcome` is the baseline gateway's refusal by its policy: 403, a Docker-style message that
 * reads `dockgate: ... denied by profile.baseline: <why>. <fix>` and names what was refused.
 */
export function assertBaselineRefusal(outcome: Outcome<unknown>, what: string, mentions: RegExp): string {
  assert.equal(outcome.ok, false, `${what}: baseline let it through`);
  if (outcome.ok) throw new Error('unreachable');
  assert.equal(outcome.status, 403, `${what}: status ${outcome.status}, expected 403 (a refusal by policy): ${outcome.message}`);
  const match = REFUSAL.exec(outcome.message);
  assert.ok(match?.groups, `${what}: the message does not read "dockgate: ... denied by <rule>: <why>. <fix>": ${outcome.message}`);
  assert.equal(match.groups['rule'], 'profile.baseline', `${what}: refused by another rule than the baseline profile: ${outcome.message}`);
  assert.match(outcome.message, mentions, `${what}: the message does not name what was refused`);
  return outcome.message;
}

// ---------------------------------------------------------------------------------------------------
// Streams

/** Reads a stream to its end (or close) into one buffer. */
export function collect(stream: NodeJS.ReadableStream): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer | string) => chunks.push(Buffer.from(chunk)));
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('close', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
  });
}

/** A JSON-lines progress stream (build, load, import, push, pull) as its parsed messages, via the SDK's followProgress. */
export function followProgress(docker: Docker, stream: NodeJS.ReadableStream): Promise<Record<string, unknown>[]> {
  return new Promise((resolve, reject) => {
    docker.modem.followProgress(stream, (error: Error | null, output: Record<string, unknown>[]) => (error ? reject(error) : resolve(output)));
  });
}
