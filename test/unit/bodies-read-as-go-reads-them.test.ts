// Pins how inspected JSON bodies are read: every row of FIELD-NOTES section 3 (what dockerd applies versus
// what JSON.parse sees), the other ways Go's encoding/json reads bytes differently from JavaScript, the
// Go type rules for numbers, null and strslice values, how repeated keys are applied, and the
// per-operation rules for empty bodies and content types. An accepted body gets exactly Go's reading,
// with every normalisation noted; a refused one (what the engine itself rejects) gets none.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { GatewayError, type ErrorCode } from '../../src/errors/catalogue.js';
import type { Operation } from '../../src/route/operations.js';
import { applyLegacyRoot, INSPECTED_BODY_LIMIT, INSPECTED_OPERATIONS, readJudgedBody, type JudgedBody } from '../../src/inspect/inspect-body.js';
import { MAX_JSON_DEPTH, readGoJson } from '../../src/inspect/go-json-reader.js';
import type { NormalisationKind } from '../../src/route/normalisation.js';
import { parseApiVersion } from '../../src/route/api-version.js';

type Body = string | Buffer;

function bytes(body: Body): Buffer {
  return typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
}

function judged(body: Body, operation: Operation = 'container.create', contentType: string | undefined = 'application/json'): JudgedBody {
  return readJudgedBody(operation, bytes(body), contentType);
}

function read(body: Body, operation: Operation = 'container.create', contentType: string | undefined = 'application/json'): unknown {
  return judged(body, operation, contentType).value;
}

/** The normalisations of a reading, as `kind path[ -> to]` lines. */
function notes(reading: JudgedBody): string[] {
  return reading.normalised.entries.map((n) => `${n.kind} ${n.path}${n.to === undefined ? '' : ` -> ${n.to}`}`);
}

function noted(body: Body, kind: NormalisationKind, operation: Operation = 'container.create'): string[] {
  return notes(judged(body, operation)).filter((line) => line.startsWith(`${kind} `));
}

const ENGINE_20_10 = parseApiVersion('1.41', '1.41');
const ENGINE_27 = parseApiVersion('1.46', '1.46');

function refused(body: Body, pattern: RegExp, operation: Operation = 'container.create', code: ErrorCode = 'DG_BODY_MALFORMED', contentType?: string): GatewayError {
  let caught: unknown;
  try {
    readJudgedBody(operation, bytes(body), contentType);
  } catch (err) {
    caught = err;
  }
  const shown = typeof body === 'string' ? body.slice(0, 120) : body.toString('hex').slice(0, 120);
  assert.ok(caught instanceof GatewayError, `${operation} ${JSON.stringify(shown)} should be refused, got ${String(caught)}`);
  assert.equal(caught.code, code, caught.message);
  assert.match(caught.message, /^dockgate: .+ denied by body\.(canonical|size): .+\. .+$/);
  assert.match(caught.message, pattern);
  return caught;
}

function hostConfigOf(value: unknown): Record<string, unknown> | undefined {
  return (value as { HostConfig?: Record<string, unknown> }).HostConfig;
}

// FIELD-NOTES section 3, row by row.

test('row 1: a lower-case hostconfig is read as HostConfig, as Go reads it, and the rename is noted', () => {
  const reading = judged('{"Image":"busybox","hostconfig":{"privileged":true}}');
  assert.deepEqual(reading.value, { Image: 'busybox', HostConfig: { Privileged: true } });
  assert.deepEqual(notes(reading), ['field-name hostconfig -> HostConfig', 'field-name HostConfig.privileged -> HostConfig.Privileged']);
});

test('row 2: two spellings of Privileged in one object: the last one wins, as in Go', () => {
  assert.deepEqual(hostConfigOf(read('{"Image":"busybox","HostConfig":{"Privileged":false,"PRIVILEGED":true}}')), { Privileged: true });
  assert.deepEqual(hostConfigOf(read('{"Image":"busybox","HostConfig":{"PRIVILEGED":true,"Privileged":false}}')), { Privileged: false });
  assert.deepEqual(noted('{"HostConfig":{"Privileged":false,"PRIVILEGED":true}}', 'repeated-key'), ['repeated-key HostConfig.Privileged']);
});

test('row 3: a repeated HostConfig decodes into the first, so both objects apply', () => {
  const reading = judged('{"Image":"busybox","HostConfig":{"Privileged":true},"HostConfig":{"Binds":["/:/host"]}}');
  assert.deepEqual(hostConfigOf(reading.value), { Privileged: true, Binds: ['/:/host'] });
  assert.deepEqual(notes(reading), ['repeated-key HostConfig']);
});

test('row 4: keys that fold to a field through U+017F (ſ) or U+212A (Kelvin sign) are that field', () => {
  assert.deepEqual(hostConfigOf(read('{"Image":"busybox","HostConfig":{"Bind\u017f":["/:/host"]}}')), { Binds: ['/:/host'] });
  assert.deepEqual(hostConfigOf(read('{"Image":"busybox","HostConfig":{"\u212aernelMemory":1}}')), { KernelMemory: 1 });
  assert.deepEqual(noted('{"HostConfig":{"Bind\u017f":[]}}', 'field-name'), ['field-name HostConfig["Bind\u017f"] -> HostConfig.Binds']);
  // Folding is for struct fields only: free-form map keys stay apart exactly.
  assert.deepEqual(read('{"Labels":{"\u017f":"1","s":"2","S":"3"}}'), { Labels: { '\u017f': '1', s: '2', S: '3' } });
});

test('row 5: an escaped key that unescapes to the exact name (Privileg\\u0065d) is that field', () => {
  const value = read('{"Image":"busybox","HostConfig":{"Privileg\\u0065d":true}}');
  assert.deepEqual(hostConfigOf(value), { Privileged: true });
});

test('row 6: a second JSON value after the first (Go reads the first only) is refused', () => {
  refused('{"Image":"x"} {"HostConfig":{"Privileged":true}}', /data follows the JSON value at byte 14/);
  refused('{"Image":"x"}x', /data follows the JSON value/);
  refused('{"Image":"x"}\n{}', /data follows the JSON value/);
});

test('row 7: root-level HostConfig fields apply as the engine behind reads them: engines up to 26 use them, newer ones ignore them', () => {
  const create = (body: string, engine = ENGINE_20_10): JudgedBody => applyLegacyRoot(judged(body), engine);
  // Without HostConfig (absent or null), the root-level fields are the HostConfig.
  assert.deepEqual(create('{"Image":"busybox","Binds":["/:/host"],"Privileged":true}').value, { Image: 'busybox', HostConfig: { Binds: ['/:/host'], Privileged: true } });
  assert.deepEqual(create('{"Image":"busybox","HostConfig":null,"CapAdd":["ALL"]}').value, { Image: 'busybox', HostConfig: { CapAdd: ['ALL'] } });
  // With HostConfig, only five resource fields are taken, and only where HostConfig leaves them zero.
  assert.deepEqual(create('{"Image":"busybox","HostConfig":{"Memory":0,"CpuShares":2},"Memory":7,"CpuShares":9,"Privileged":true}').value, {
    Image: 'busybox',
    HostConfig: { Memory: 7, CpuShares: 2 },
  });
  assert.deepEqual(create('{"Image":"busybox","HostConfig":{},"Cpuset":"0"}').value, { Image: 'busybox', HostConfig: { CpusetCpus: '0' } });
  // A legacy key given as null still makes Go allocate the legacy HostConfig, which then replaces an absent one.
  assert.deepEqual(create('{"Image":"busybox","Binds":null}').value, { Image: 'busybox', HostConfig: {} });
  assert.deepEqual(notes(create('{"Image":"busybox","HostConfig":{},"binds":["/:/h"],"Memory":1}')), [
    'field-name binds -> Binds',
    'legacy-field Binds',
    'legacy-field Memory -> HostConfig.Memory',
  ]);
  // Engines from 27 on (API 1.46) read container.CreateRequest: the root-level fields are unknown keys.
  const newer = create('{"Image":"busybox","Binds":["/:/host"],"Privileged":true,"Cpuset":"0"}', ENGINE_27);
  assert.deepEqual(newer.value, { Image: 'busybox' });
  assert.deepEqual(notes(newer), ['legacy-field Binds', 'legacy-field Privileged', 'legacy-field Cpuset']);
  // Until the engine's version is known, nothing of them is in the value (the safe reading, never a wider one).
  assert.deepEqual(read('{"Image":"busybox","Privileged":true}'), { Image: 'busybox' });
});

// Bytes Go reads differently.

test('invalid UTF-8 in a string is read as Go reads it: U+FFFD for each byte that starts no sequence', () => {
  const prefix = '{"Image":"busybox","HostConfig":{"Binds":["a","b","';
  const cases: [string, number[], string][] = [
    ['a stray continuation byte', [0x80], '\ufffd'],
    ['an invalid lead byte', [0xff], '\ufffd'],
    ['an overlong slash', [0xc0, 0xaf], '\ufffd\ufffd'],
    ['an overlong three-byte form', [0xe0, 0x80, 0xaf], '\ufffd\ufffd\ufffd'],
    ['a UTF-8 encoded surrogate', [0xed, 0xa0, 0x80], '\ufffd\ufffd\ufffd'],
    ['a code point above U+10FFFF', [0xf4, 0x90, 0x80, 0x80], '\ufffd\ufffd\ufffd\ufffd'],
    ['a truncated sequence', [0xe2, 0x82], '\ufffd\ufffd'],
    ['a truncated sequence before ASCII', [0xe2, 0x82, 0x28], '\ufffd\ufffd('],
  ];
  for (const [what, sequence, expected] of cases) {
    const reading = judged(Buffer.concat([Buffer.from(prefix), Buffer.from(sequence), Buffer.from('z"]}}')]));
    assert.deepEqual(hostConfigOf(reading.value), { Binds: ['a', 'b', `${expected}z`] }, what);
    assert.deepEqual(notes(reading), ['replaced-text HostConfig.Binds[2]'], what);
  }
});

test('invalid UTF-8 inside a key is replaced too', () => {
  assert.deepEqual(read(Buffer.concat([Buffer.from('{"Labels":{"a'), Buffer.from([0xff]), Buffer.from('":"b"}}')])), { Labels: { 'a\ufffd': 'b' } });
});

test('unpaired surrogate escapes read as U+FFFD, as in Go, where JavaScript would keep them', () => {
  assert.deepEqual(read('{"User":"\\ud800"}'), { User: '\ufffd' });
  assert.deepEqual(read('{"User":"\\udc00"}'), { User: '\ufffd' });
  // The escape after a lone high surrogate is read on its own.
  assert.deepEqual(read('{"User":"\\ud800\\u0041"}'), { User: '\ufffdA' });
  assert.deepEqual(read('{"User":"\\ud800x"}'), { User: '\ufffdx' });
  assert.deepEqual(read('{"Labels":{"\\udbff":"x"}}'), { Labels: { '\ufffd': 'x' } });
});

test('a surrogate pair escape and raw UTF-8 outside the BMP read as the same character', () => {
  const value = read('{"Image":"busybox","Labels":{"a":"\\ud83d\\ude00","b":"\u{1f600}","c":"\u00e9\u4e2d"}}') as { Labels: Record<string, string> };
  assert.deepEqual(value.Labels, { a: '\u{1f600}', b: '\u{1f600}', c: '\u00e9\u4e2d' });
});

test('a byte order mark (Go refuses it) is refused', () => {
  refused(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"Image":"busybox"}')]), /byte order mark/);
});

test('nesting deeper than the limit is refused; the limit itself is accepted by the reader', () => {
  const deep = (levels: number): Buffer => Buffer.from('['.repeat(levels) + ']'.repeat(levels));
  assert.ok(Array.isArray(readGoJson(deep(MAX_JSON_DEPTH)).value));
  refused(deep(MAX_JSON_DEPTH + 1), /nest deeper than 64/);
  refused(`{"Labels":${'{"a":'.repeat(100)}1${'}'.repeat(100)}}`, /nest deeper than 64/);
});

test('JSON that both Go and JSON.parse reject is refused with where it broke', () => {
  const cases: [string, RegExp][] = [
    ['{"Image":"busybox",}', /expected a quoted key/],
    ['{"Image":"busybox"', /expected ',' or '}' at byte 18 but found the end of the body/],
    ['{"StopTimeout":01}', /expected ',' or '}'/],
    ['{"StopTimeout":-}', /expected a digit/],
    ['{"StopTimeout":1.}', /digit after the decimal point/],
    ['{"StopTimeout":1e}', /digit in the exponent/],
    ['{"StopTimeout":NaN}', /expected a JSON value/],
    ["{'Image':'busybox'}", /expected a quoted key/],
    ['{"Image":"busybox"/*x*/}', /expected ',' or '}'/],
    ['{"Image":"a\tb"}', /raw control character 0x09/],
    ['{"Image":"a\\xb"}', /unknown escape \\x/],
    ['{"Image":"a\\u12"}', /four hexadecimal digits/],
    ['{"Image":"abc', /not closed/],
    ['{"Image":tru}', /the literal true/],
    ['[1,]', /expected a JSON value/],
    ['', /empty/],
    ['   \n', /holds no JSON value/],
  ];
  for (const [body, pattern] of cases) refused(body, pattern);
});

test('whitespace around the value is what Go skips too, and is accepted', () => {
  assert.deepEqual(read(' \t\r\n{"Image":"busybox"}\n\r\t '), { Image: 'busybox' });
});

test('a key repeated after unescaping is a repeat: a map entry or a scalar field is replaced', () => {
  assert.deepEqual(read('{"Labels":{"a":"1","\\u0061":"2"}}'), { Labels: { a: '2' } });
  assert.deepEqual(read('{"Image":"a","Image":"b"}'), { Image: 'b' });
  assert.deepEqual(noted('{"Labels":{"a":"1","\\u0061":"2"}}', 'repeated-key'), ['repeated-key Labels.a']);
});

test('repeats decode into what is there, as Go does: maps merge, slices decode element by element', () => {
  assert.deepEqual(read('{"Labels":{"a":"1"},"Labels":{"b":"2"}}'), { Labels: { a: '1', b: '2' } });
  // A slice of structs: element 0 of the second list decodes into element 0 of the first.
  assert.deepEqual(hostConfigOf(read('{"HostConfig":{"Mounts":[{"Type":"bind","Source":"/"}],"Mounts":[{"Target":"/x"}]}}')), {
    Mounts: [{ Type: 'bind', Source: '/', Target: '/x' }],
  });
  // A shorter repeat cuts the slice; a longer one after it reaches the cut elements again (Go's backing array).
  assert.deepEqual(hostConfigOf(read('{"HostConfig":{"Binds":["a","b","c"],"Binds":["x"],"Binds":["p",null]}}')), { Binds: ['p', 'b'] });
  assert.deepEqual(hostConfigOf(read('{"HostConfig":{"Devices":[{"PathOnHost":"/dev/a"},{"PathOnHost":"/dev/b"}],"Devices":[{}],"Devices":[{},{"CgroupPermissions":"r"}]}}')), {
    Devices: [{ PathOnHost: '/dev/a' }, { PathOnHost: '/dev/b', CgroupPermissions: 'r' }],
  });
  // An empty list starts afresh: nothing cut before it comes back.
  assert.deepEqual(hostConfigOf(read('{"HostConfig":{"Binds":["a","b"],"Binds":[],"Binds":["x",null]}}')), { Binds: ['x', ''] });
  // A strslice always starts afresh (its UnmarshalJSON makes a new list).
  assert.deepEqual(hostConfigOf(read('{"HostConfig":{"CapAdd":["A","B"],"CapAdd":"C"}}')), { CapAdd: ['C'] });
});

test('null after a value resets pointers, slices and maps, and leaves values and structs alone', () => {
  assert.deepEqual(read('{"Image":"x","HostConfig":{"Privileged":true},"HostConfig":null}'), { Image: 'x' });
  assert.deepEqual(
    hostConfigOf(
      read(
        '{"HostConfig":{"Privileged":true,"Privileged":null,"Init":true,"Init":null,"RestartPolicy":{"Name":"always"},"RestartPolicy":null,"Binds":["a"],"Binds":null,"PidsLimit":5,"PidsLimit":null}}',
      ),
    ),
    { Privileged: true, RestartPolicy: { Name: 'always' } },
  );
});

test('keys Go keeps apart in a map (a and A in Labels) stay apart', () => {
  assert.deepEqual(read('{"Labels":{"a":"1","A":"2"}}'), { Labels: { a: '1', A: '2' } });
});

// Fields and types, as the Go types read them.

test('an unknown field is dropped, as the engine ignores it, and noted by its path', () => {
  const reading = judged('{"Image":"busybox","HostConfig":{"Privileged":false,"Priviledged":true}}');
  assert.deepEqual(reading.value, { Image: 'busybox', HostConfig: { Privileged: false } });
  assert.deepEqual(notes(reading), ['unknown-field HostConfig.Priviledged']);
  assert.deepEqual(read('{"Container":"c1","Cmd":["true"],"AttachStdout":true}', 'container.exec.create'), { Cmd: ['true'], AttachStdout: true });
  // Its value is skipped unread, as Go skips it: no type is expected of it.
  assert.deepEqual(read('{"TaskTemplate":{"ContainerSpec":{"Image":"x","Privileged":{"deep":[1,"2",null]}}}}', 'service.create'), {
    TaskTemplate: { ContainerSpec: { Image: 'x' } },
  });
});

test('a hostile body cannot flood the record: notes stop at 32 and the rest are counted', () => {
  const keys = Array.from({ length: 100 }, (_, i) => `"k${i}":1`).join(',');
  const reading = judged(`{"Image":"x",${keys}}`);
  assert.equal(reading.normalised.entries.length, 32);
  assert.equal(reading.normalised.omitted, 68);
});

test('values of the wrong JSON type are refused', () => {
  refused('{"HostConfig":{"Privileged":"true"}}', /HostConfig\.Privileged .*expected true or false but found a string/);
  refused('{"HostConfig":{"Privileged":1}}', /expected true or false but found a number/);
  refused('{"HostConfig":{"Binds":"/:/host"}}', /HostConfig\.Binds .*expected an array but found a string/);
  refused('{"HostConfig":{"Memory":"1g"}}', /expected an integer \(Go int64\)/);
  refused('{"Labels":{"a":1}}', /Labels\.a .*expected a string but found a number/);
  refused('{"HostConfig":[]}', /expected an object but found an array/);
  refused('[]', /the request body denied .*expected an object but found an array/);
  refused('{"Name":"x"}', /expected an array but found an object/, 'plugin.pull');
});

test("integers are read as Go reads them into the field's type", () => {
  assert.deepEqual(read('{"HostConfig":{"Memory":67108864,"MemorySwap":-1,"CpuShares":-0,"BlkioWeight":65535}}'), {
    HostConfig: { Memory: 67108864, MemorySwap: -1, CpuShares: 0, BlkioWeight: 65535 },
  });
  refused('{"HostConfig":{"Memory":1.0}}', /HostConfig\.Memory .*1\.0 is not an integer literal/);
  refused('{"HostConfig":{"Memory":1e9}}', /1e9 is not an integer literal/);
  refused('{"HostConfig":{"BlkioWeight":65536}}', /65536 is out of range for uint16/);
  refused('{"HostConfig":{"BlkioWeight":-1}}', /uint16 is unsigned/);
  refused('{"HostConfig":{"IOMaximumIOps":-0}}', /uint64 is unsigned/);
  refused('{"HostConfig":{"Memory":9223372036854775808}}', /out of range for int64/);
  refused('{"HostConfig":{"ConsoleSize":[-1,0]}}', /HostConfig\.ConsoleSize\[0\] .*uint is unsigned/);
  refused('{"TaskTemplate":{"ForceUpdate":18446744073709551616}}', /out of range for uint64/, 'service.create');
});

test('integers beyond ±2^53 are refused rather than rounded', () => {
  assert.deepEqual(read('{"HostConfig":{"Memory":9007199254740991}}'), { HostConfig: { Memory: 9007199254740991 } });
  refused('{"HostConfig":{"Memory":9007199254740993}}', /beyond ±2\^53/);
  refused('{"HostConfig":{"Memory":-9007199254740993}}', /beyond ±2\^53/);
});

test('floats are read as Go parses them; float32 ties Go could break differently are refused', () => {
  const body = (ratio: string): string => `{"TaskTemplate":{},"UpdateConfig":{"MaxFailureRatio":${ratio}}}`;
  assert.deepEqual(read(body('0.2'), 'service.update'), { TaskTemplate: {}, UpdateConfig: { MaxFailureRatio: 0.2 } });
  assert.deepEqual(read(body('1e-1'), 'service.update'), { TaskTemplate: {}, UpdateConfig: { MaxFailureRatio: 0.1 } });
  refused(body('1e400'), /out of range for float32/, 'service.update');
  refused(body('3.5e38'), /out of range for float32/, 'service.update');
  // 1 + 2^-24 lies exactly halfway between the float32 values 1 and 1 + 2^-23.
  refused(body('1.000000059604644775390625'), /halfway between two float32 values/, 'service.update');
  // Go reads this one as 1 + 2^-23 (it lies just above the tie); through a float64 it would become 1.
  refused(body('1.0000000596046448'), /halfway between two float32 values/, 'service.update');
});

test('null means "absent" for struct fields and is dropped; [] stays an empty list (MaskedPaths: [] unmasks)', () => {
  assert.deepEqual(read('{"Image":"busybox","Cmd":null,"HostConfig":{"Binds":null,"MaskedPaths":[],"ReadonlyPaths":null,"OomKillDisable":null}}'), {
    Image: 'busybox',
    HostConfig: { MaskedPaths: [] },
  });
  assert.deepEqual(read('{"Image":"busybox","HostConfig":null,"NetworkingConfig":null}'), { Image: 'busybox' });
});

test('null inside an array or as a map value is the zero value Go reads, and a nil pointer element is refused', () => {
  assert.deepEqual(hostConfigOf(read('{"HostConfig":{"Binds":["/a:/a",null]}}')), { Binds: ['/a:/a', ''] });
  assert.deepEqual(read('{"Labels":{"a":null}}'), { Labels: { a: '' } });
  assert.deepEqual(read('{"ExposedPorts":{"80/tcp":null}}'), { ExposedPorts: { '80/tcp': {} } });
  assert.deepEqual(noted('{"Labels":{"a":null}}', 'null-element'), ['null-element Labels.a']);
  // HostConfig.Ulimits is a []*Ulimit: a null element is a nil pointer the engine would dereference.
  refused('{"HostConfig":{"Ulimits":[null]}}', /HostConfig\.Ulimits\[0\] .*nil element/);
});

test('strslice fields take a string or a list (engines up to 28) and are judged as a list', () => {
  assert.deepEqual(read('{"Image":"busybox","Cmd":"sh","Entrypoint":["/bin/sh","-c"],"HostConfig":{"CapAdd":"SYS_ADMIN","CapDrop":["ALL"]}}'), {
    Image: 'busybox',
    Cmd: ['sh'],
    Entrypoint: ['/bin/sh', '-c'],
    HostConfig: { CapAdd: ['SYS_ADMIN'], CapDrop: ['ALL'] },
  });
  refused('{"HostConfig":{"CapAdd":{"a":1}}}', /expected a string or an array of strings/);
  refused('{"HostConfig":{"CapAdd":["SYS_ADMIN",1]}}', /HostConfig\.CapAdd\[1\] .*expected a string/);
  // Exec's Cmd is a plain []string in every engine.
  refused('{"Cmd":"sh"}', /body field Cmd .*expected an array/, 'container.exec.create');
});

test('Go arrays ([2]uint ConsoleSize) take their length as Go does: extra elements dropped, missing ones zero', () => {
  assert.deepEqual(read('{"HostConfig":{"ConsoleSize":[24,80]}}'), { HostConfig: { ConsoleSize: [24, 80] } });
  assert.deepEqual(read('{"HostConfig":{"ConsoleSize":[24,80,1]}}'), { HostConfig: { ConsoleSize: [24, 80] } });
  assert.deepEqual(read('{"Detach":false,"ConsoleSize":[24]}', 'exec.start'), { Detach: false, ConsoleSize: [24, 0] });
  assert.deepEqual(noted('{"HostConfig":{"ConsoleSize":[24,80,1]}}', 'array-length'), ['array-length HostConfig.ConsoleSize']);
  // The value array is decoded in place: null keeps an element, a missing one is zeroed.
  assert.deepEqual(read('{"HostConfig":{"ConsoleSize":[24,80],"ConsoleSize":[null]}}'), { HostConfig: { ConsoleSize: [24, 0] } });
});

test('port keys must be canonical, so no two keys name the same port to newer engines', () => {
  assert.deepEqual(read('{"ExposedPorts":{"80/tcp":{},"53/udp":{}}}'), { ExposedPorts: { '80/tcp': {}, '53/udp': {} } });
  for (const key of ['80', '080/tcp', '80/TCP', '0/tcp', '65536/tcp', '8000-8010/tcp']) {
    refused(`{"HostConfig":{"PortBindings":{"${key}":[{"HostPort":"8080"}]}}}`, /is not a port as <number>\/<protocol>/);
  }
});

test('struct{} values (Volumes, ExposedPorts, Mode.Global) have no fields: whatever is inside is ignored', () => {
  assert.deepEqual(read('{"Volumes":{"/data":{"x":1}}}'), { Volumes: { '/data': {} } });
  assert.deepEqual(read('{"Mode":{"Global":{}}}', 'service.create'), { Mode: { Global: {} } });
});

test('a label named __proto__ is kept as a label, not turned into a prototype', () => {
  const value = read('{"Labels":{"__proto__":"x","constructor":"y"}}') as { Labels: Record<string, unknown> };
  assert.deepEqual(Object.keys(value.Labels), ['__proto__', 'constructor']);
  assert.equal(Object.getOwnPropertyDescriptor(value.Labels, '__proto__')?.value, 'x');
  assert.equal(Object.getPrototypeOf(value.Labels), Object.prototype);
});

test('spellings Go folds to a field are that field: swarm modes in lower case, HealthCheck, PluginSpec names', () => {
  const reading = judged(
    '{"TaskTemplate":{"ContainerSpec":{"Image":"x","HealthCheck":{"Test":["NONE"]}}},"Mode":{"replicated":{"Replicas":2}},"RollbackConfig":{"order":"start-first"}}',
    'service.create',
  );
  assert.deepEqual(reading.value, {
    TaskTemplate: { ContainerSpec: { Image: 'x', Healthcheck: { Test: ['NONE'] } } },
    Mode: { Replicated: { Replicas: 2 } },
    RollbackConfig: { Order: 'start-first' },
  });
  assert.deepEqual(read('{"Name":"c","Data":"eA==","Templating":{"name":"golang"}}', 'config.create'), { Name: 'c', Data: 'eA==', Templating: { Name: 'golang' } });
  assert.deepEqual(read('{"TaskTemplate":{"PluginSpec":{"Name":"p","Remote":"r","Disabled":true,"PluginPrivilege":[]}}}', 'service.create'), {
    TaskTemplate: { PluginSpec: { name: 'p', remote: 'r', disabled: true } },
  });
});

// Per-operation rules: content types, empty and null bodies, size.

test('bodies are judged whatever their Content-Type (form bodies are refused on every route before, see engine-read-headers)', () => {
  const body = '{"Image":"busybox","HostConfig":{"Privileged":true}}';
  for (const contentType of [undefined, 'text/plain', 'application/json; charset=utf-8', 'application/x-tar', 'bogus']) {
    assert.deepEqual(hostConfigOf(read(body, 'container.create', contentType)), { Privileged: true });
  }
});

test('an empty body is accepted only where every engine reads it as "nothing asked"', () => {
  const acceptsEmpty = new Set(['container.start', 'container.commit']);
  for (const operation of INSPECTED_OPERATIONS) {
    if (acceptsEmpty.has(operation)) assert.equal(read('', operation), undefined, operation);
    else refused('', /it is empty, and the engine needs a JSON body/, operation);
  }
});

test('a root null is accepted where Go reads it as "nothing" (commit, plugin privileges) and refused elsewhere', () => {
  assert.equal(read('null', 'container.commit'), null);
  assert.equal(read('null', 'plugin.pull'), null);
  assert.equal(read('null', 'plugin.upgrade'), null);
  refused('null', /it is null/, 'container.create');
  refused('null', /it is null/, 'exec.start');
});

test('container start: a body of up to 7 bytes is ignored by the engine and not forwarded; a longer or chunked one is refused as the engine refuses it', () => {
  for (const body of ['{}', '{"a":1}', 'xxxxxxx']) {
    const reading = judged(body, 'container.start');
    assert.equal(reading.value, undefined, body);
    assert.deepEqual(notes(reading), ['ignored-body the body'], body);
  }
  refused('{"Privileged":true}', /19 bytes long, and the engine refuses a container start body/, 'container.start');
  assert.throws(() => readJudgedBody('container.start', Buffer.from('{}'), undefined, true), /chunked/);
});

test('bodies over the inspection limit are refused with 413', () => {
  const big = Buffer.alloc(INSPECTED_BODY_LIMIT + 1, 0x20);
  refused(big, /more than the 1048576 dockgate reads/, 'container.create', 'DG_BODY_TOO_LARGE');
});

test('refusal messages and notes name paths, never values (values can be tokens or secrets)', () => {
  const error = refused('{"JoinToken":"SWMTKN-1-secret","RemoteAddrs":"10.0.0.1"}', /RemoteAddrs/, 'swarm.join');
  assert.doesNotMatch(error.message, /SWMTKN|10\.0\.0\.1/);
  const reading = judged('{"JoinToken":"SWMTKN-1-secret","joinToken":"SWMTKN-1-other","Extra":"secret-value"}', 'swarm.join');
  assert.doesNotMatch(JSON.stringify(reading.normalised.entries), /SWMTKN|secret-value/);
});

test('reading is fast enough for the hot path (a CLI container create body well under a millisecond)', () => {
  const fixture = JSON.parse(readFileSync(new URL('../fixtures/cli-bodies/docker-cli-28.2.2-api-1.41.json', import.meta.url), 'utf8')) as {
    requests: { target: string; body: string }[];
  };
  const create = fixture.requests.filter((request) => request.target.includes('/containers/create')).map((request) => Buffer.from(request.body));
  const rounds = 5_000;
  const started = process.hrtime.bigint();
  for (let i = 0; i < rounds; i++) readJudgedBody('container.create', create[i % create.length]!, 'application/json');
  const microsecondsEach = Number(process.hrtime.bigint() - started) / 1_000 / rounds;
  assert.ok(microsecondsEach < 1_000, `${microsecondsEach.toFixed(1)} µs per body`);
});
