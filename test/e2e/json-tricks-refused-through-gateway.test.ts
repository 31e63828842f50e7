// JSON tricks: bodies that Go's encoding/json reads differently from JSON.parse (FIELD-NOTES section 3),
// and bodies in framings or content types a filter might not look at, sent THROUGH THE GATEWAY
// (`--profile baseline`) as raw HTTP: lower-case keys, a later spelling of a key overriding an earlier one,
// duplicate HostConfig objects, keys that fold to a field name (U+017F, U+212A), a second JSON value after
// the first, root-level legacy HostConfig fields with HostConfig absent or null, an escaped key, a chunked
// body, Expect: 100-continue, HTTP/1.0, Content-Type text/plain or none, a form-encoded body, a
// lower-cased exec key. dockgate reads each spelling as the engine reads it, so the policy refuses it and
// names the field as the engine reads it (403 `denied by profile.baseline: HostConfig.Privileged: ...`);
// what the engine itself would not take, or has no single reading, is refused before the policy (400).
// Nothing reaches the engine; each is then sent to the engine directly to show what it applies (privileged,
// a bind of /, unmasked /proc), or that it rejects the body itself.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Endpoint } from '../support/endpoint.js';
import { parseWholeResponse, sendRaw } from '../support/raw-http.js';
import {
  API,
  IMAGE,
  assertRefused,
  removeContainer,
  send,
  sendOk,
  useGuardedEngine,
  withoutEngineTrace,
  type ContainerInspect,
  type HttpResult,
  type SendOptions,
} from '../support/host-escape.js';

const IMAGE_AND_CMD = `"Image":"${IMAGE}","Cmd":["true"]`;

interface Trick {
  name: string;
  /** The body text, exactly as sent. */
  body: string;
  options?: SendOptions;
  /** Raw framing the node:http client cannot write. */
  framing?: 'expect-continue' | 'http/1.0';
  /** What the refusal must name. */
  mentions: RegExp;
  status?: number[];
  /** What the engine applies when sent the same bytes directly. */
  applies?: (inspect: ContainerInspect) => void;
  /** Or: the engine rejects them itself. */
  engineRejects?: RegExp;
}

const privileged = (c: ContainerInspect): void => assert.equal(c.HostConfig['Privileged'], true, 'the engine made it privileged');
const bindsRoot = (c: ContainerInspect): void => assert.deepEqual(c.HostConfig['Binds'], ['/:/host'], 'the engine bound /');

const TRICKS: Trick[] = [
  {
    name: 'lower-case keys {"hostconfig":{"privileged":true}}',
    body: `{${IMAGE_AND_CMD},"hostconfig":{"privileged":true}}`,
    mentions: /denied by profile\.baseline: .*HostConfig\.Privileged/,
    applies: privileged,
  },
  {
    name: '"Privileged":false,"PRIVILEGED":true (the last spelling wins in Go)',
    body: `{${IMAGE_AND_CMD},"HostConfig":{"Privileged":false,"PRIVILEGED":true}}`,
    mentions: /denied by profile\.baseline: .*HostConfig\.Privileged/,
    applies: privileged,
  },
  {
    name: 'duplicate HostConfig objects (Go merges them)',
    body: `{${IMAGE_AND_CMD},"HostConfig":{"Privileged":true},"HostConfig":{"Binds":["/:/host"]}}`,
    mentions: /denied by profile\.baseline: (?=.*HostConfig\.Privileged)(?=.*HostConfig\.Binds)/,
    applies: (c) => {
      privileged(c);
      bindsRoot(c);
    },
  },
  {
    name: 'Bindſ (U+017F folds to s in Go)',
    body: `{${IMAGE_AND_CMD},"HostConfig":{"Bind\u017f":["/:/host"]}}`,
    mentions: /denied by profile\.baseline: .*HostConfig\.Binds/,
    applies: bindsRoot,
  },
  {
    name: 'MasKedPaths with U+212A KELVIN SIGN (folds to k in Go)',
    body: `{${IMAGE_AND_CMD},"HostConfig":{"Mas\u212aedPaths":[]}}`,
    mentions: /denied by profile\.baseline: .*HostConfig\.MaskedPaths/,
    applies: (c) => assert.deepEqual(c.HostConfig['MaskedPaths'], [], 'the engine unmasked /proc'),
  },
  {
    name: 'a second JSON value after the first (Go reads the first only)',
    body: `{${IMAGE_AND_CMD},"HostConfig":{"Privileged":true}} {${IMAGE_AND_CMD}}`,
    mentions: /denied by body\.canonical: data follows the JSON value/,
    status: [400],
    applies: privileged,
  },
  {
    name: 'root-level legacy Binds and Privileged, HostConfig absent',
    body: `{${IMAGE_AND_CMD},"Binds":["/:/host"],"Privileged":true}`,
    mentions: /denied by profile\.baseline: (?=.*HostConfig\.Privileged)(?=.*HostConfig\.Binds)/,
    applies: (c) => {
      privileged(c);
      bindsRoot(c);
    },
  },
  {
    name: 'root-level legacy Binds and Privileged, HostConfig null',
    body: `{${IMAGE_AND_CMD},"HostConfig":null,"Binds":["/:/host"],"Privileged":true}`,
    mentions: /denied by profile\.baseline: (?=.*HostConfig\.Privileged)(?=.*HostConfig\.Binds)/,
    applies: (c) => {
      privileged(c);
      bindsRoot(c);
    },
  },
  {
    name: 'an escaped key "Privileg\\u0065d" (both readers see Privileged)',
    body: `{${IMAGE_AND_CMD},"HostConfig":{"Privileg\\u0065d":true}}`,
    mentions: /Privileged/,
    applies: privileged,
  },
  {
    name: 'a chunked body',
    body: `{${IMAGE_AND_CMD},"HostConfig":{"Privileged":true}}`,
    options: { chunked: true },
    mentions: /Privileged/,
    applies: privileged,
  },
  {
    name: 'Expect: 100-continue',
    body: `{${IMAGE_AND_CMD},"HostConfig":{"Privileged":true}}`,
    framing: 'expect-continue',
    mentions: /Privileged/,
    applies: privileged,
  },
  {
    name: 'HTTP/1.0 with a Content-Length',
    body: `{${IMAGE_AND_CMD},"HostConfig":{"Privileged":true}}`,
    framing: 'http/1.0',
    mentions: /Privileged/,
    applies: privileged,
  },
  {
    name: 'Content-Type: text/plain (this engine rejects it on containers/create; it is judged all the same)',
    body: `{${IMAGE_AND_CMD},"HostConfig":{"Privileged":true}}`,
    options: { contentType: 'text/plain' },
    mentions: /Privileged|Content-Type|text\/plain/,
    status: [400, 403, 415],
    engineRejects: /Content-Type specified \(text\/plain\) must be 'application\/json'/,
  },
  {
    name: 'no Content-Type at all (this engine rejects it on containers/create; it is judged all the same)',
    body: `{${IMAGE_AND_CMD},"HostConfig":{"Privileged":true}}`,
    options: { contentType: null },
    mentions: /Privileged|Content-Type/,
    status: [400, 403, 415],
    engineRejects: /Content-Type specified \(\) must be 'application\/json'/,
  },
  {
    name: 'a form-encoded body',
    body: 'Image=busybox%3Atest&HostConfig.Privileged=true',
    options: { contentType: 'application/x-www-form-urlencoded' },
    mentions: /form|Content-Type|JSON/i,
    status: [400, 403, 415],
    engineRejects: /Content-Type specified \(application\/x-www-form-urlencoded\) must be 'application\/json'/,
  },
];

function headersOf(map: Map<string, string>): HttpResult['headers'] {
  return Object.fromEntries(map);
}

/** Writes one request byte for byte on a fresh connection: HTTP/1.0, or Expect: 100-continue with the body after the interim answer. */
async function sendFramed(endpoint: Endpoint, framing: 'expect-continue' | 'http/1.0', path: string, body: string): Promise<HttpResult> {
  const bytes = Buffer.from(body, 'utf8');
  const version = framing === 'http/1.0' ? 'HTTP/1.0' : 'HTTP/1.1';
  const head = [`POST ${path} ${version}`, 'Host: docker', 'Content-Type: application/json', `Content-Length: ${bytes.length}`, 'Connection: close'];
  if (framing === 'expect-continue') head.push('Expect: 100-continue');
  const headBytes = Buffer.from(`${head.join('\r\n')}\r\n\r\n`, 'latin1');
  let answer: Buffer;
  if (framing === 'expect-continue') {
    const received = sendRaw(endpoint, headBytes);
    // A server may answer 100 Continue, or answer at once (a refusal), or wait for the body; a client waits a moment.
    await received.settle(1_000).catch(() => undefined);
    const early = received.all().toString('latin1');
    if (!/^HTTP\/1\.[01] [2-5]\d\d/.test(early)) received.socket.write(bytes);
    answer = await received.end(20_000);
  } else {
    answer = await sendRaw(endpoint, Buffer.concat([headBytes, bytes])).end(20_000);
  }
  const interim = /^HTTP\/1\.[01] 100 [^\r]*\r\n\r\n/.exec(answer.toString('latin1'));
  const whole = parseWholeResponse(interim === null ? answer : answer.subarray(Buffer.byteLength(interim[0], 'latin1')));
  return { status: whole.status, headers: headersOf(whole.headers), body: whole.body };
}

async function createWith(endpoint: Endpoint, trick: Trick, name: string): Promise<HttpResult> {
  const path = `${API}/containers/create?name=${name}`;
  if (trick.framing !== undefined) return sendFramed(endpoint, trick.framing, path, trick.body);
  return send(endpoint, 'POST', path, { ...trick.options, body: trick.body });
}

describe('JSON tricks are refused through the gateway (baseline)', { timeout: 10 * 60_000 }, () => {
  const suite = useGuardedEngine({
    async prepare(engine) {
      await sendOk(engine.endpoint, 'POST', `${API}/containers/create?name=benign`, { json: { Image: IMAGE, Cmd: ['sleep', '600'] } });
      await sendOk(engine.endpoint, 'POST', `${API}/containers/benign/start`);
    },
    gateways: (_, host) => [{ name: 'baseline', profile: 'baseline', allowBind: [host.root] }],
  });

  TRICKS.forEach((trick, index) => {
    it(`refuses ${trick.name}, no trace on the engine; the engine ${trick.engineRejects === undefined ? 'applies it' : 'rejects it itself'}`, async () => {
      const { engine } = suite();
      const gateway = suite().gateway('baseline');
      await withoutEngineTrace(engine, trick.name, async () => {
        const res = await createWith(gateway.endpoint, trick, `trick-${index}`);
        assertRefused(res, trick.name, { mentions: trick.mentions, status: trick.status ?? [403] });
      });

      const direct = await createWith(engine.endpoint, trick, `trick-${index}`);
      if (trick.engineRejects !== undefined) {
        assert.equal(direct.status, 400, `directly: ${direct.body}`);
        assert.match(direct.body, trick.engineRejects);
        return;
      }
      assert.equal(direct.status, 201, `directly, the engine takes it: ${direct.body}`);
      const inspect = await sendOk<ContainerInspect>(engine.endpoint, 'GET', `${API}/containers/trick-${index}/json`);
      await removeContainer(engine, `trick-${index}`);
      trick.applies?.(inspect);
    });
  });

  it('refuses exec create with a lower-cased "privileged" key by the policy, no trace; the engine makes a privileged exec', async () => {
    const { engine } = suite();
    const gateway = suite().gateway('baseline');
    const body = '{"Cmd":["true"],"privileged":true}';
    await withoutEngineTrace(engine, 'exec privileged (lower case)', async () => {
      assertRefused(await send(gateway.endpoint, 'POST', `${API}/containers/benign/exec`, { body }), 'exec "privileged"', { mentions: /denied by profile\.baseline: .*Privileged/ });
    });
    const { Id } = await sendOk<{ Id: string }>(engine.endpoint, 'POST', `${API}/containers/benign/exec`, { body });
    assert.equal((await sendOk<{ ProcessConfig: { privileged: boolean } }>(engine.endpoint, 'GET', `${API}/exec/${Id}/json`)).ProcessConfig.privileged, true);
  });
});
