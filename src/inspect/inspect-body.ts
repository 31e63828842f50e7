// The entry point the gateway calls for every request whose JSON body decides something: reads the body
// the way the engine's Go decoder would (refusing wherever the two readings could differ), checks it
// against the schema of the operation, and returns the judged value whose canonical serialisation is
// what the engine receives.
//
// Bodies are read whatever their Content-Type: dockerd decodes JSON without looking at it for the swarm,
// plugin and exec start endpoints, and a gateway that skipped "non-JSON" bodies would forward them unread.
// Form-encoded and multipart bodies are refused outright: Go's r.FormValue would read parameters out of
// them ahead of the query string that was judged.
//
// An empty body is accepted only where every engine from 20.10 on reads it as "nothing asked":
// container start (the normal case) and commit (20.10 tolerates EOF, newer engines skip an empty body).
// Everywhere else at least engine 20.10 fails with EOF, so it is refused here too. A root `null` is
// accepted only where Go reads it as "nothing" and clients send it: commit (no config changes) and plugin
// privileges (the Docker CLI sends null when a plugin asks for none).
import { GatewayError } from '../errors/catalogue.js';
import { bodyRefusal } from './body-refusal.js';
import { emptyObject, type BodySchema } from './body-schema.js';
import { readGoJson } from './go-json-reader.js';
import { readWithSchema } from './schema-reader.js';
import { containerConfig } from './schemas/container-config.js';
import { containerCreateBody } from './schemas/container-create.js';
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
   * The body as judged: plain objects and arrays holding exactly the fields that were read, null fields
   * left out, strslice fields as arrays. `undefined` when the request has (and needs) no body.
   */
  readonly value: unknown;
}

interface BodyRule {
  readonly schema: BodySchema;
  readonly acceptsEmpty: boolean;
  readonly acceptsNull: boolean;
}

function rule(schema: BodySchema, options: { acceptsEmpty?: boolean; acceptsNull?: boolean } = {}): BodyRule {
  return { schema, acceptsEmpty: options.acceptsEmpty ?? false, acceptsNull: options.acceptsNull ?? false };
}

const RULES: ReadonlyMap<string, BodyRule> = new Map([
  ['container.create', rule(containerCreateBody)],
  ['container.update', rule(containerUpdateBody)],
  // Since API 1.24 the engine refuses a start body longer than 7 bytes and ignores a shorter one; only
  // `{}` (some clients send it) is read, and nothing else can carry a HostConfig past the gateway.
  ['container.start', rule(emptyObject(), { acceptsEmpty: true })],
  ['container.commit', rule(containerConfig, { acceptsEmpty: true, acceptsNull: true })],
  ['container.exec.create', rule(execCreateBody)],
  ['exec.start', rule(execStartBody)],
  ['service.create', rule(serviceSpecBody)],
  ['service.update', rule(serviceSpecBody)],
  ['swarm.init', rule(swarmInitBody)],
  ['swarm.join', rule(swarmJoinBody)],
  ['swarm.update', rule(swarmSpecBody)],
  ['node.update', rule(nodeSpecBody)],
  ['plugin.pull', rule(pluginPrivilegesBody, { acceptsNull: true })],
  ['plugin.upgrade', rule(pluginPrivilegesBody, { acceptsNull: true })],
  ['plugin.set', rule(pluginSettingsBody)],
  ['volume.create', rule(volumeCreateBody)],
  ['volume.update', rule(volumeUpdateBody)],
  ['network.create', rule(networkCreateBody)],
  ['network.connect', rule(networkConnectBody)],
  ['network.disconnect', rule(networkDisconnectBody)],
  ['secret.create', rule(secretSpecBody)],
  ['secret.update', rule(secretSpecBody)],
  ['config.create', rule(configSpecBody)],
  ['config.update', rule(configSpecBody)],
]);

/** Operations (route names from src/route/routes.ts) whose body is read and judged before forwarding. */
export const INSPECTED_OPERATIONS: ReadonlySet<string> = new Set(RULES.keys());

/** The schema an inspected operation's body is read against. */
export function bodySchemaOf(operation: string): BodySchema | undefined {
  return RULES.get(operation)?.schema;
}

const FORM_MEDIA_TYPES = new Set(['application/x-www-form-urlencoded', 'multipart/form-data']);

/** The media type as Go's mime.ParseMediaType reads it: before any `;`, trimmed, lower-cased. */
function mediaTypeOf(contentType: string): string {
  const semicolon = contentType.indexOf(';');
  return (semicolon === -1 ? contentType : contentType.slice(0, semicolon)).trim().toLowerCase();
}

export function readJudgedBody(operation: string, body: Buffer, contentType: string | undefined): JudgedBody {
  const bodyRule = RULES.get(operation);
  if (bodyRule === undefined) throw new Error(`readJudgedBody: ${operation} is not an inspected operation`);
  if (contentType !== undefined && FORM_MEDIA_TYPES.has(mediaTypeOf(contentType))) {
    throw bodyRefusal(
      [],
      `it is sent as ${mediaTypeOf(contentType)}, and the engine would read parameters from a form body ahead of the query string`,
      'Send the body as JSON',
    );
  }
  if (body.length > INSPECTED_BODY_LIMIT) {
    throw new GatewayError('DG_BODY_TOO_LARGE', {
      what: 'the request body',
      why: `it is ${body.length} bytes, more than the ${INSPECTED_BODY_LIMIT} dockgate reads for ${operation}`,
      fix: 'Send a smaller body',
    });
  }
  if (body.length === 0) {
    if (bodyRule.acceptsEmpty) return { value: undefined };
    throw bodyRefusal([], `it is empty, and the engine needs a JSON body for ${operation}`, 'Send the JSON body the Engine API documents');
  }
  const json = readGoJson(body);
  if (json === null) {
    if (bodyRule.acceptsNull) return { value: null };
    throw bodyRefusal([], `it is null, and the engine needs a JSON body for ${operation}`, 'Send the JSON body the Engine API documents');
  }
  return { value: readWithSchema(json, bodyRule.schema) };
}
