// The judge reads bodies by the TypeScript types derived from their schemas (BodyOf in
// src/inspect/body-schema.ts), so a field the schema does not have, or has under another name or type,
// does not compile. The type-level half is checked by `npm run typecheck`: each `@ts-expect-error` below
// must stay an error, or the check fails as an unused directive. The runtime half: the values the reader
// decodes have the shapes the types say.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { arrayOf, bool, int64, mapOf, object, pointer, str, strSlice, type BodyOf } from '../../src/inspect/body-schema.js';
import { readJudgedBody, type JsonBodyOf } from '../../src/inspect/inspect-body.js';
import type { ContainerCreateBody } from '../../src/inspect/schemas/container-create.js';
import type { HostConfigBody } from '../../src/inspect/schemas/host-config.js';

/** True only when A and B are the same type. */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;

// Only its type is used: the schema whose derived type the assertion below pins.
const _sample = object({ Name: str, Cmd: strSlice, Init: pointer(bool), Memory: int64, Labels: mapOf(str), Mounts: arrayOf(object({ Source: str })) });
// Objects: every field optional (Go leaves nil ones out); strslices are arrays; integers are numbers; maps are records.
const shape: Same<BodyOf<typeof _sample>, { Name?: string; Cmd?: string[]; Init?: boolean; Memory?: number; Labels?: Record<string, string>; Mounts?: { Source?: string }[] }> = true;
const createIsItsSchema: Same<JsonBodyOf<'container.create'>, ContainerCreateBody> = true;

const create: ContainerCreateBody = { Image: 'busybox', HostConfig: { Binds: ['/a:/b'], Privileged: true } };
const binds: string[] | undefined = create.HostConfig?.Binds;
// @ts-expect-error a misspelt field is not a field of HostConfig
const misspelt = create.HostConfig?.Bind;
// @ts-expect-error HostConfig.Capabilities (API 1.40) is outside the schema: reading it must be deliberate (LegacyCapabilitiesField)
const legacy = create.HostConfig?.Capabilities;
// @ts-expect-error Privileged is a boolean, not a string
const privileged: string | undefined = create.HostConfig?.Privileged;

test('the type-level assertions hold', () => {
  assert.deepEqual([shape, createIsItsSchema], [true, true]);
  assert.deepEqual([binds, misspelt, legacy, privileged], [['/a:/b'], undefined, undefined, true]);
});

test('a decoded create body has the shape its type says', () => {
  const body = '{"Image":"busybox","Cmd":"sh","hostconfig":{"Binds":["/a:/b"],"Memory":1048576,"Init":null,"Privileged":false}}';
  const value = readJudgedBody('container.create', Buffer.from(body), 'application/json').value as ContainerCreateBody;
  const hostConfig: HostConfigBody | undefined = value.HostConfig;
  assert.deepEqual(value.Cmd, ['sh']);
  assert.deepEqual(hostConfig?.Binds, ['/a:/b']);
  assert.equal(hostConfig?.Memory, 1048576);
  assert.equal('Init' in (hostConfig ?? {}), false);
  assert.equal(hostConfig?.Privileged, false);
});
