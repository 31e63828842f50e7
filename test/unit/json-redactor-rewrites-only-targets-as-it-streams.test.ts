// The streaming redactor rewrites exactly the values at its targets, wherever the answer is cut into
// chunks, passes every other byte on as the engine wrote it, and holds nothing of the answer between
// chunks but the path it is at (memory bounded whatever the answer's size).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { JsonRedactor, JsonRedactorError, REDACTED } from '../../src/forward/json-redactor.js';
import { parseRedaction, redactionTargets, type Redaction } from '../../src/judge/redaction.js';
import type { Operation } from '../../src/route/operations.js';
import { fuzzSeed, withReplayHint } from '../support/fuzz-seed.js';

const ALL = parseRedaction(['env', 'mounts', 'secrets', 'labels:*secret*', 'labels:com.example.token']);

function redactor(operation: Operation, redaction: Redaction, out: (piece: Buffer) => void): JsonRedactor {
  return new JsonRedactor(redactionTargets(operation, redaction), redaction.labels, out);
}

/** The answer redacted, fed in the given pieces. */
function redact(operation: Operation, redaction: Redaction, pieces: readonly Buffer[]): { text: string; counts: Map<string, number> } {
  const out: Buffer[] = [];
  const r = redactor(operation, redaction, (piece) => out.push(Buffer.from(piece)));
  for (const piece of pieces) r.push(piece);
  r.end();
  return { text: Buffer.concat(out).toString('utf8'), counts: r.counts };
}

/** Go's encoding/json escapes <, > and & (HTML-safe); the redactor must pass such escapes on untouched. */
function goJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026') + '\n';
}

const INSPECT = {
  Id: 'abc',
  Name: '/db',
  Config: {
    Env: ['PASSWORD=s3cret=with=equals', 'PATH=/usr/bin', 'EMPTY=', 'UNSET', 'QUOTED="a\\b"<x>'],
    Labels: { 'com.example.secret-key': 'k1', 'com.example.token': 't1', 'com.docker.compose.service': 'db' },
    Cmd: ['sh', '-c', 'echo "Config.Env"'],
  },
  HostConfig: { Binds: ['/home/alice/.ssh:/ssh:ro', 'named:/data', '/srv'], Mounts: [{ Type: 'bind', Source: '/etc/secret', Target: '/x' }], Memory: 9007199254740992 },
  Mounts: [{ Type: 'bind', Source: '/home/alice/.ssh', Destination: '/ssh' }],
};

const INSPECT_REDACTED = {
  ...INSPECT,
  Config: {
    ...INSPECT.Config,
    Env: ['PASSWORD=<redacted>', 'PATH=<redacted>', 'EMPTY=<redacted>', 'UNSET', 'QUOTED=<redacted>'],
    Labels: { 'com.example.secret-key': '<redacted>', 'com.example.token': '<redacted>', 'com.docker.compose.service': 'db' },
  },
  HostConfig: { ...INSPECT.HostConfig, Binds: ['<redacted>:/ssh:ro', '<redacted>:/data', '<redacted>'], Mounts: [{ Type: 'bind', Source: '<redacted>', Target: '/x' }] },
  Mounts: [{ Type: 'bind', Source: '<redacted>', Destination: '/ssh' }],
};

test('container inspect: env values (names kept), bind and mount sources and matching labels are redacted; everything else is the engine bytes', () => {
  // An int64 beyond 2^53, as Go writes it (JSON.stringify cannot).
  const input = goJson(INSPECT).replace('9007199254740992', '9007199254740993');
  const { text, counts } = redact('container.inspect', ALL, [Buffer.from(input)]);
  // Byte for byte what Go would write for the redacted document (escapes and the big number unchanged), but
  // for the replacement text, which is written as it reads.
  assert.equal(text, goJson(INSPECT_REDACTED).replace('9007199254740992', '9007199254740993').replaceAll('\\u003credacted\\u003e', '<redacted>'));
  assert.ok(text.includes('"Memory":9007199254740993'));
  assert.ok(text.includes('\\u003cx\\u003e') === false, 'the env value with escapes is gone');
  assert.deepEqual(Object.fromEntries(counts), { env: 4, mounts: 5, secrets: 0, labels: 2 });
});

test('what the rule does not redact is passed on unchanged', () => {
  const input = goJson(INSPECT);
  assert.equal(redact('container.inspect', parseRedaction([]), [Buffer.from(input)]).text, input);
  const envOnly = JSON.parse(redact('container.inspect', parseRedaction(['env']), [Buffer.from(input)]).text) as typeof INSPECT;
  assert.deepEqual(envOnly.HostConfig, JSON.parse(JSON.stringify(INSPECT.HostConfig)));
  assert.deepEqual(envOnly.Config.Labels, INSPECT.Config.Labels);
  // An operation whose answer carries none of it: nothing is touched.
  assert.equal(redact('system.version', ALL, [Buffer.from(input)]).text, input);
});

test('the other places secrets sit: log driver options, image env and history, volume options, labels of every kind, df', () => {
  const logged = { Id: 'c', HostConfig: { LogConfig: { Type: 'splunk', Config: { 'splunk-token': 'tok', 'splunk-url': 'https://u:p@splunk' } } } };
  assert.deepEqual(JSON.parse(redact('container.inspect', ALL, [Buffer.from(goJson(logged))]).text), {
    Id: 'c',
    HostConfig: { LogConfig: { Type: 'splunk', Config: { 'splunk-token': '<redacted>', 'splunk-url': '<redacted>' } } },
  });
  const image = { Id: 'sha256:i', Config: { Env: ['API_TOKEN=t'], Labels: { 'a.secret': 's' } }, ContainerConfig: { Env: ['API_TOKEN=t'] } };
  assert.deepEqual(JSON.parse(redact('image.inspect', ALL, [Buffer.from(goJson(image))]).text), {
    Id: 'sha256:i',
    Config: { Env: ['API_TOKEN=<redacted>'], Labels: { 'a.secret': '<redacted>' } },
    ContainerConfig: { Env: ['API_TOKEN=<redacted>'] },
  });
  const history = [{ Id: 'sha256:i', CreatedBy: '/bin/sh -c #(nop)  ENV API_TOKEN=t', Size: 0 }];
  assert.deepEqual(JSON.parse(redact('image.history', ALL, [Buffer.from(goJson(history))]).text), [{ Id: 'sha256:i', CreatedBy: '<redacted>', Size: 0 }]);
  const volumes = { Volumes: [{ Name: 'share', Options: { type: 'cifs', o: 'username=u,password=p' }, Labels: { keep: 'k' } }], Warnings: null };
  assert.deepEqual(JSON.parse(redact('volume.list', ALL, [Buffer.from(goJson(volumes))]).text), {
    Volumes: [{ Name: 'share', Options: { type: '<redacted>', o: '<redacted>' }, Labels: { keep: 'k' } }],
    Warnings: null,
  });
  const df = {
    LayersSize: 1,
    Images: [{ Id: 'i', Labels: { 'x.secret': 's' } }],
    Containers: [{ Id: 'c', Labels: {}, Mounts: [{ Source: '/host' }] }],
    Volumes: [{ Name: 'v', Options: { o: 'password=p' }, Labels: null }],
    BuildCache: [],
  };
  assert.deepEqual(JSON.parse(redact('system.df', ALL, [Buffer.from(goJson(df))]).text), {
    LayersSize: 1,
    Images: [{ Id: 'i', Labels: { 'x.secret': '<redacted>' } }],
    Containers: [{ Id: 'c', Labels: {}, Mounts: [{ Source: '<redacted>' }] }],
    Volumes: [{ Name: 'v', Options: { o: '<redacted>' }, Labels: null }],
    BuildCache: [],
  });
  const node = { ID: 'n', Spec: { Labels: { 'db.secret': 's' } }, Description: { Engine: { Labels: { 'db.secret': 's', plain: 'p' } } } };
  assert.deepEqual(JSON.parse(redact('node.inspect', parseRedaction(['labels:db.*']), [Buffer.from(goJson(node))]).text), {
    ID: 'n',
    Spec: { Labels: { 'db.secret': '<redacted>' } },
    Description: { Engine: { Labels: { 'db.secret': '<redacted>', plain: 'p' } } },
  });
});

test('a container list, an events stream and a config are redacted where each carries the data', () => {
  const list = [
    { Id: 'a', Labels: { 'x.secret': 'v', keep: 'k' }, Mounts: [{ Source: '/host', Destination: '/c' }] },
    { Id: 'b', Labels: {}, Mounts: [] },
  ];
  assert.deepEqual(JSON.parse(redact('container.list', ALL, [Buffer.from(goJson(list))]).text), [
    { Id: 'a', Labels: { 'x.secret': '<redacted>', keep: 'k' }, Mounts: [{ Source: '<redacted>', Destination: '/c' }] },
    { Id: 'b', Labels: {}, Mounts: [] },
  ]);
  const events = [
    { Type: 'container', Action: 'start', Actor: { ID: 'a', Attributes: { image: 'busybox', 'db.secret': 'pw' } }, time: 1 },
    { Type: 'container', Action: 'die', Actor: { ID: 'a', Attributes: { exitCode: '0', 'db.secret': 'pw' } }, time: 2 },
  ];
  const stream = events.map(goJson).join('');
  const redacted = redact('system.events', ALL, [Buffer.from(stream)]);
  assert.deepEqual(
    redacted.text
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as unknown),
    events.map((e) => ({ ...e, Actor: { ...e.Actor, Attributes: { ...e.Actor.Attributes, 'db.secret': '<redacted>' } } })),
  );
  const config = { ID: 'c', Spec: { Name: 'app', Data: 'cGFzc3dvcmQ=', Labels: {} } };
  assert.deepEqual(JSON.parse(redact('config.inspect', ALL, [Buffer.from(goJson(config))]).text), { ID: 'c', Spec: { Name: 'app', Data: '<redacted>', Labels: {} } });
  const service = [{ ID: 's', Spec: { TaskTemplate: { ContainerSpec: { Image: 'app', Env: ['TOKEN=abc'] } } } }];
  assert.deepEqual(JSON.parse(redact('service.list', ALL, [Buffer.from(goJson(service))]).text), [
    { ID: 's', Spec: { TaskTemplate: { ContainerSpec: { Image: 'app', Env: ['TOKEN=<redacted>'] } } } },
  ]);
});

test('cut anywhere into any number of pieces, the answer is redacted alike', () => {
  // Every single cut, through every way of rewriting (env, binds, whole values, labels).
  const inspect = Buffer.from(goJson(INSPECT));
  const redactedInspect = redact('container.inspect', ALL, [inspect]).text;
  for (let at = 0; at <= inspect.length; at++) {
    assert.equal(redact('container.inspect', ALL, [inspect.subarray(0, at), inspect.subarray(at)]).text, redactedInspect, `cut at ${at}`);
  }
  // One byte at a time: every piece wholly inside a value, a key or an escape.
  assert.equal(
    redact(
      'container.inspect',
      ALL,
      [...inspect].map((byte) => Buffer.from([byte])),
    ).text,
    redactedInspect,
  );
  const whole = Buffer.from(goJson([INSPECT, INSPECT]));
  const expected = redact('container.list', ALL, [whole]).text;
  for (let at = 0; at <= whole.length; at++) {
    assert.equal(redact('container.list', ALL, [whole.subarray(0, at), whole.subarray(at)]).text, expected, `cut at ${at}`);
  }
  const seed = fuzzSeed();
  try {
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 1, max: whole.length - 1 }), { maxLength: 40 }), (cuts) => {
        const points = [0, ...cuts.sort((a, b) => a - b), whole.length];
        const pieces = points.slice(1).map((end, i) => whole.subarray(points[i], end));
        assert.equal(redact('container.list', ALL, pieces).text, expected);
      }),
      { seed, numRuns: 300 },
    );
  } catch (err) {
    throw withReplayHint(err, seed);
  }
});

/** The redaction of a parsed container inspect, computed on values: what the byte rewriting must mean. */
function modelRedaction(container: { Config: { Env: string[]; Labels: Record<string, string> } }): unknown {
  return {
    ...container,
    Config: {
      ...container.Config,
      Env: container.Config.Env.map((e) => (e.includes('=') ? `${e.slice(0, e.indexOf('='))}=<redacted>` : e)),
      Labels: Object.fromEntries(Object.entries(container.Config.Labels).map(([k, v]) => [k, k.includes('secret') ? '<redacted>' : v])),
    },
  };
}

test('generated documents (any text in names, values and keys, escapes, nesting): the rewriting means the model redaction', () => {
  const text = fc.string({ unit: 'binary', maxLength: 12 });
  const container = fc.record({
    Id: text,
    Config: fc.record({
      Env: fc.array(
        fc.oneof(
          text,
          fc.tuple(text, text).map(([n, v]) => `${n.replace(/=/g, '')}=${v}`),
        ),
        { maxLength: 6 },
      ),
      Labels: fc.dictionary(
        fc.oneof(
          text,
          text.map((k) => `${k}secret`),
        ),
        text,
        { maxKeys: 5 },
      ),
      Nested: fc.jsonValue({ maxDepth: 3 }),
    }),
  });
  const seed = fuzzSeed();
  try {
    fc.assert(
      fc.property(fc.array(container, { maxLength: 4 }), fc.array(fc.nat(), { maxLength: 8 }), (containers, cuts) => {
        const whole = Buffer.from(goJson(containers));
        const points = [0, ...cuts.map((c) => c % (whole.length + 1)).sort((a, b) => a - b), whole.length];
        const pieces = points.slice(1).map((end, i) => whole.subarray(points[i], end));
        const { text: out } = redact('container.list', parseRedaction(['env', 'labels:*secret*']), pieces);
        // A list carries no Config: listed, these documents pass unchanged, however cut.
        assert.deepEqual(JSON.parse(out), JSON.parse(JSON.stringify(containers)));
        const asInspect = containers.map((c) => JSON.parse(redact('container.inspect', parseRedaction(['env', 'labels:*secret*']), [Buffer.from(goJson(c))]).text) as unknown);
        assert.deepEqual(
          asInspect,
          containers.map((c) => modelRedaction(JSON.parse(JSON.stringify(c)) as Parameters<typeof modelRedaction>[0])),
        );
      }),
      { seed, numRuns: 300 },
    );
  } catch (err) {
    throw withReplayHint(err, seed);
  }
});

test('memory stays bounded: 5,000 listed containers stream through as views of the pushed chunks, nothing held between them', () => {
  const container = (i: number): string => goJson({ Id: `c${i}`, Labels: { 'app.secret': 'x'.repeat(200), keep: String(i) }, Mounts: [{ Source: `/srv/${i}`, Destination: '/d' }] }).trim();
  let pushed = 0;
  let passed = 0;
  const pushedChunks = new Set<ArrayBufferLike>();
  const r = redactor('container.list', ALL, (piece) => {
    // Every piece is the replacement text or a view into the chunk being pushed: the redactor copies nothing.
    assert.ok(piece === REDACTED || pushedChunks.has(piece.buffer), 'a piece that is neither a view of the current chunk nor the replacement');
    passed += piece.length;
  });
  const feed = (text: string): void => {
    const chunk = Buffer.from(text);
    pushedChunks.clear();
    pushedChunks.add(chunk.buffer);
    pushed += chunk.length;
    r.push(chunk);
  };
  feed('[');
  for (let i = 0; i < 5000; i++) feed(`${i === 0 ? '' : ','}${container(i)}`);
  feed(']\n');
  r.end();
  assert.equal(r.counts.get('labels'), 5000);
  assert.equal(r.counts.get('mounts'), 5000);
  assert.ok(passed < pushed, 'the redacted answer is shorter');
});

test('an overlong key is not held, and a label pattern takes it as matching', () => {
  const key = `k${'y'.repeat(5000)}`;
  const { text } = redact('container.list', parseRedaction(['labels:nothing-like-it']), [Buffer.from(goJson([{ Labels: { [key]: 'v', short: 'w' } }]))]);
  assert.deepEqual(JSON.parse(text), [{ Labels: { [key]: '<redacted>', short: 'w' } }]);
});

test('an answer that is not JSON fails rather than passing a value unread', () => {
  assert.throws(() => redact('container.inspect', ALL, [Buffer.from('{"Config":{"Env":["A=b"]]}')]), JsonRedactorError);
  assert.throws(() => redact('container.inspect', ALL, [Buffer.from('{"Config" {}}')]), JsonRedactorError);
  assert.throws(() => redact('container.inspect', ALL, [Buffer.from('{"Config":{"Env":["A=b')]), JsonRedactorError);
});
