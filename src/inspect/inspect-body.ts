// The entry point the gateway calls for every request whose JSON body decides something: reads the body
// the way the engine's Go decoder reads it into the operation's type (go-json-reader.ts, then
// schema-reader.ts), and returns the judged value, whose canonical serialisation is what the engine
// receives, with every normalisation the reading made.
//
// Bodies are read whatever their Content-Type: dockerd decodes JSON without looking at it for the swarm,
// plugin and exec start endpoints, and a gateway that skipped "non-JSON" bodies would forward them unread.
// (Form-encoded and multipart bodies never get here: src/route/form-bodies.ts refuses them on every route.)
//
// An empty body is accepted only where every engine from 20.10 on reads it as "nothing asked": container
// start (the normal case) and commit (20.10 tolerates EOF, newer engines skip an empty body). Everywhere
// else engines fail with EOF, so it is refused here too. A root `null` is accepted only where Go reads it
// as "nothing" and clients send it: commit (no config changes) and plugin privileges (the Docker CLI sends
// null when a plugin asks for none). Container start ignores a body of up to 7 bytes and refuses a longer
// or chunked one (API 1.24 on): the short one is not forwarded, the long one refused as the engine would.
import { GatewayError } from '../errors/catalogue.js';
import { bodyRefusal } from './body-refusal.js';
import type { BodyOf, BodySchema } from './body-schema.js';
import { readGoJson } from './go-json-reader.js';
import { NormalisationLog } from '../route/normalisation.js';
import { hasJsonBody, operationsWith, type JsonBodyOperation, type Operation } from '../route/operations.js';
import { readWithSchema } from './schema-reader.js';
import { containerConfig } from './schemas/container-config.js';
import { containerCreateBody, LAST_API_WITH_LEGACY_ROOT, resolveLegacyRoot, splitCreateBody, type LegacyRoot } from './schemas/container-create.js';
import { isNewerThan, type ApiVersion } from '../route/api-version.js';
import { containerUpdateBody } from './schemas/container-update.js';
import { execCreateBody, execStartBody } from './schemas/exec.js';
import { networkConnectBody, networkCreateBody, networkDisconnectBody } from './schemas/network.js';
import { nodeSpecBody } from './schemas/node.js';
import { pluginPrivilegesBody, pluginSettingsBody } from './schemas/plugin.js';
import { configSpecBody, secretSpecBody } from './schemas/secret-config.js';
import { serviceSpecBody } from './schemas/service-spec.js';
import { swarmInitBody, swarmJoinBody, swarmSpecBody } from './schemas/swarm.js';
import { volumeCreateBody, volumeUpdateBody } from './schemas/volume.js';

export { serializeJudgedBody } from './canonical-json.js';

/** Largest inspected body the gateway reads (413 DG_BODY_TOO_LARGE beyond); real ones are a few KiB. */
export const INSPECTED_BODY_LIMIT = 1024 * 1024;

export interface JudgedBody {
  /**
   * The body as judged: plain objects and arrays holding exactly the fields the engine would have set,
   * nil fields left out, strslice fields as arrays. `undefined` when the request has (and needs) no body.
   */
  readonly value: unknown;
  /** Where the canonical body differs from the one sent (renamed keys, dropped fields, ...). */
  readonly normalised: NormalisationLog;
  /**
   * Root-level HostConfig fields of a container create, which only engines up to 26 read: apply them with
   * applyLegacyRoot once the engine's API version is known. Absent when the body has none.
   */
  readonly legacyRoot?: LegacyRoot;
  /** How many JSON values the body held (go-json-reader.ts): the gateway charges its memory budget by them. */
  readonly values: number;
}

interface BodyRule<S extends BodySchema = BodySchema> {
  readonly schema: S;
  readonly acceptsEmpty: boolean;
  readonly acceptsNull: boolean;
}

function rule<S extends BodySchema>(schema: S, options: { acceptsEmpty?: boolean; acceptsNull?: boolean } = {}): BodyRule<S> {
  return { schema, acceptsEmpty: options.acceptsEmpty ?? false, acceptsNull: options.acceptsNull ?? false };
}

/** The rule of every operation whose body is read as JSON (`body: 'json'` in src/route/operations.ts). */
const BODY_RULES = {
  'container.create': rule(containerCreateBody),
  'container.update': rule(containerUpdateBody),
  'container.commit': rule(containerConfig, { acceptsEmpty: true, acceptsNull: true }),
  'container.exec.create': rule(execCreateBody),
  'exec.start': rule(execStartBody),
  'service.create': rule(serviceSpecBody),
  'service.update': rule(serviceSpecBody),
  'swarm.init': rule(swarmInitBody),
  'swarm.join': rule(swarmJoinBody),
  'swarm.update': rule(swarmSpecBody),
  'node.update': rule(nodeSpecBody),
  'plugin.pull': rule(pluginPrivilegesBody, { acceptsNull: true }),
  'plugin.upgrade': rule(pluginPrivilegesBody, { acceptsNull: true }),
  'plugin.set': rule(pluginSettingsBody),
  'volume.create': rule(volumeCreateBody),
  'volume.update': rule(volumeUpdateBody),
  'network.create': rule(networkCreateBody),
  'network.connect': rule(networkConnectBody),
  'network.disconnect': rule(networkDisconnectBody),
  'secret.create': rule(secretSpecBody),
  'secret.update': rule(secretSpecBody),
  'config.create': rule(configSpecBody),
  'config.update': rule(configSpecBody),
} satisfies Readonly<Record<JsonBodyOperation, BodyRule>>;

/**
 * The value readJudgedBody decodes for an operation whose body is JSON (BodyOf its schema); `null` or
 * `undefined` besides where the operation accepts an empty or null body.
 */
export type JsonBodyOf<O extends JsonBodyOperation> = BodyOf<(typeof BODY_RULES)[O]['schema']>;

/**
 * Operations (route names from src/route/routes.ts) whose body is read and judged before forwarding: a
 * JSON body, and container start's (never forwarded, see the header).
 */
export const INSPECTED_OPERATIONS: ReadonlySet<Operation> = new Set(operationsWith('body', 'json', 'start'));

/** The largest container start body the engine ignores instead of refusing (API 1.24 on). */
const IGNORED_START_BODY = 7;

/** The schema an inspected operation's body is read against. */
export function bodySchemaOf(operation: Operation): BodySchema | undefined {
  return hasJsonBody(operation) ? BODY_RULES[operation].schema : undefined;
}

/**
 * Reads a body as the engine reads it. `chunked`: the body came with Transfer-Encoding: chunked (the
 * engine reads its length as unknown, which matters to container start).
 */
export function readJudgedBody(operation: Operation, body: Buffer, contentType: string | undefined, chunked = false, normalised = new NormalisationLog()): JudgedBody {
  if (operation === 'container.start') return readStartBody(body, chunked, normalised);
  if (!hasJsonBody(operation)) throw new Error(`readJudgedBody: ${operation} is not an inspected operation`);
  const bodyRule = BODY_RULES[operation];
  if (body.length > INSPECTED_BODY_LIMIT) {
    throw new GatewayError('DG_BODY_TOO_LARGE', {
      what: 'the request body',
      why: `it is ${body.length} bytes, more than the ${INSPECTED_BODY_LIMIT} dockgate reads for ${operation}`,
      fix: 'Send a smaller body',
    });
  }
  if (body.length === 0) {
    if (bodyRule.acceptsEmpty) return { value: undefined, normalised, values: 0 };
    throw bodyRefusal([], `it is empty, and the engine needs a JSON body for ${operation}`, 'Send the JSON body the Engine API documents');
  }
  const json = readGoJson(body);
  for (const path of json.replacedText) normalised.add('replaced-text', path);
  if (json.value === null) {
    if (bodyRule.acceptsNull) return { value: null, normalised, values: 1 };
    throw bodyRefusal([], `it is null, and the engine needs a JSON body for ${operation}`, 'Send the JSON body the Engine API documents');
  }
  const reading = readWithSchema(json.value, bodyRule.schema, normalised);
  const values = json.values;
  if (operation !== 'container.create') return { value: reading.value, normalised, values };
  const { body: createBody, legacy } = splitCreateBody(reading.value as Record<string, unknown>, reading.embeddedAllocated);
  return legacy === undefined ? { value: createBody, normalised, values } : { value: createBody, normalised, legacyRoot: legacy, values };
}

function readStartBody(body: Buffer, chunked: boolean, normalised: NormalisationLog): JudgedBody {
  if (chunked || body.length > IGNORED_START_BODY) {
    throw bodyRefusal(
      [],
      `it is ${chunked ? 'chunked' : `${body.length} bytes long`}, and the engine refuses a container start body that may be longer than ${IGNORED_START_BODY} bytes (API 1.24 on)`,
      'Start the container without a body; its configuration belongs in the create request or in POST /containers/{id}/update',
    );
  }
  if (body.length > 0) normalised.add('ignored-body', 'the body');
  return { value: undefined, normalised, values: 0 };
}

/**
 * A container create's root-level HostConfig fields applied as the engine behind the gateway reads them:
 * `engineApiVersion` is its own (newest) API version; engines up to API 1.45 apply them, newer ones
 * ignore them. Either way the canonical body carries only HostConfig.
 */
export function applyLegacyRoot(judged: JudgedBody, engineApiVersion: ApiVersion): JudgedBody {
  if (judged.legacyRoot === undefined) return judged;
  const applies = !isNewerThan(engineApiVersion, LAST_API_WITH_LEGACY_ROOT);
  const value = resolveLegacyRoot(judged.value as Record<string, unknown>, judged.legacyRoot, applies, judged.normalised);
  return { value, normalised: judged.normalised, values: judged.values };
}

/**
 * Reads JSON embedded in a string the engine decodes again (an inline seccomp profile) exactly as the
 * engine's Go decoder would; throws DG_BODY_MALFORMED where the engine would refuse it.
 */
export function readEmbeddedJson(text: string, schema: BodySchema): unknown {
  return readWithSchema(readGoJson(Buffer.from(text, 'utf8')).value, schema, new NormalisationLog()).value;
}
