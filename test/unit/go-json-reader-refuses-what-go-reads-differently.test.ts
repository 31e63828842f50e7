// Pins how inspected JSON bodies are read: every row of FIELD-NOTES section 3 (what dockerd applies versus
// what JSON.parse sees), the other ways Go's encoding/json reads bytes differently from JavaScript, the
// Go type rules for numbers, null and strslice values, and the per-operation rules for empty bodies and
// content types. A refused body never gets a meaning; an accepted one gets exactly Go's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { GatewayError, type ErrorCode } from '../../src/errors/catalogue.js';
import { INSPECTED_BODY_LIMIT, INSPECTED_OPERATIONS, readJudgedBody } from '../../src/inspect/inspect-body.js';
import { MAX_JSON_DEPTH, readGoJson } from '../../src/inspect/go-json-reader.js';

type Body = string | Buffer;

function bytes(body: Body): Buffer {
  return typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
}

function read(body: Body, operation = 'container.create', contentType: string | undefined = 'application/json'): unknown {
  return readJudgedBody(operation, bytes(body), contentType).value;
}

function refused(body: Body, pattern: RegExp, operation = 'container.create', code: ErrorCode = 'DG_BODY_MALFORMED', contentType?: string): GatewayError {
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

test('row 1: a lower-case hostconfig (Go reads it as HostConfig) is refused, naming the exact field', () => {
  refused('{"Image":"busybox","hostconfig":{"privileged":true}}', /body field hostconfig .*exact field name HostConfig.*Spell it exactly HostConfig/);
});

test('row 2: two spellings of Privileged in one object (Go keeps the last) are refused', () => {
  refused('{"Image":"busybox","HostConfig":{"Privileged":false,"PRIVILEGED":true}}', /HostConfig\.PRIVILEGED .*exact field name Privileged/);
});

test('row 3: a repeated HostConfig (Go merges both objects) is refused as a duplicate key', () => {
  refused('{"Image":"busybox","HostConfig":{"Privileged":true},"HostConfig":{"Binds":["/:/host"]}}', /body field HostConfig .*appears twice/);
});

test('row 4: keys that fold to a field through U+017F (ſ) or U+212A (Kelvin sign) are refused', () => {
  refused('{"Image":"busybox","HostConfig":{"Bind\u017f":["/:/host"]}}', /HostConfig\["Bind\u017f"\] .*exact field name Binds.*ſ as s/);
  refused('{"Image":"busybox","HostConfig":{"\u212aernelMemory":1}}', /exact field name KernelMemory/);
  refused('{"Image":"busybox","HostConfig":{"Privileged":true,"\\u212aernelMemory":1}}', /exact field name KernelMemory/);
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

test('row 7: root-level legacy HostConfig fields are refused with where they belong, with or without HostConfig', () => {
  refused('{"Image":"busybox","Binds":["/:/host"]}', /body field Binds .*legacy alias of HostConfig\.Binds.*Put it under HostConfig\.Binds/);
  refused('{"Image":"busybox","HostConfig":null,"Privileged":true}', /Put it under HostConfig\.Privileged/);
  refused('{"Image":"busybox","HostConfig":{},"CapAdd":["ALL"]}', /Put it under HostConfig\.CapAdd/);
  refused('{"Image":"busybox","HostConfig":{},"Memory":1}', /Put it under HostConfig\.Memory/);
  refused('{"Image":"busybox","Cpuset":"0"}', /Put it under HostConfig\.CpusetCpus/);
  refused('{"Image":"busybox","binds":["/:/host"]}', /Spell it exactly HostConfig\.Binds/);
});

// Bytes Go reads differently.

test('invalid UTF-8 in a string (Go reads U+FFFD) is refused with its path', () => {
  const prefix = '{"Image":"busybox","HostConfig":{"Binds":["a","b","';
  const cases: [string, number[]][] = [
    ['a stray continuation byte', [0x80]],
    ['an invalid lead byte', [0xff]],
    ['an overlong slash', [0xc0, 0xaf]],
    ['an overlong three-byte form', [0xe0, 0x80, 0xaf]],
    ['a UTF-8 encoded surrogate', [0xed, 0xa0, 0x80]],
    ['a code point above U+10FFFF', [0xf4, 0x90, 0x80, 0x80]],
    ['a truncated sequence', [0xe2, 0x82]],
  ];
  for (const [, sequence] of cases) {
    const body = Buffer.concat([Buffer.from(prefix), Buffer.from(sequence), Buffer.from('"]}}')]);
    refused(body, /body field HostConfig\.Binds\[2\] .*invalid UTF-8.*U\+FFFD.*Send the body as valid UTF-8/);
  }
});

test('invalid UTF-8 inside a key is refused too', () => {
  refused(Buffer.concat([Buffer.from('{"Labels":{"a'), Buffer.from([0xff]), Buffer.from('":"b"}}')]), /body field Labels .*invalid UTF-8/);
});

test('unpaired surrogate escapes (Go reads U+FFFD, JavaScript keeps them) are refused', () => {
  refused('{"User":"\\ud800"}', /body field User .*unpaired surrogate/);
  refused('{"User":"\\udc00"}', /unpaired surrogate/);
  refused('{"User":"\\ud800\\u0041"}', /unpaired surrogate/);
  refused('{"User":"\\ud800x"}', /unpaired surrogate/);
  refused('{"Labels":{"\\udbff":"x"}}', /body field Labels .*unpaired surrogate/);
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
  assert.ok(Array.isArray(readGoJson(deep(MAX_JSON_DEPTH))));
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

test('a key repeated after unescaping is a duplicate, in maps as well as in structs', () => {
  refused('{"Labels":{"a":"1","\\u0061":"2"}}', /body field Labels\.a .*appears twice/);
  refused('{"Image":"a","Image":"b"}', /body field Image .*appears twice/);
});

test('keys Go keeps apart in a map (a and A in Labels) stay apart', () => {
  assert.deepEqual(read('{"Labels":{"a":"1","A":"2"}}'), { Labels: { a: '1', A: '2' } });
});

// Fields and types, as the Go types read them.

test('an unknown field is refused with its name, its path and the fix', () => {
  const error = refused('{"Image":"busybox","HostConfig":{"Privileged":false,"Priviledged":true}}', /HostConfig\.Priviledged/);
  assert.match(error.message, /Priviledged is not a field the engine reads here/);
  assert.match(error.message, /Remove it, or update dockgate if a newer engine added it\.?$/);
  refused('{"Image":"busybox","HostConfig":{"Capabilities":["ALL"]}}', /HostConfig\.Capabilities .*not a field/);
  refused('{"TaskTemplate":{"ContainerSpec":{"Image":"x","Privileged":true}}}', /TaskTemplate\.ContainerSpec\.Privileged .*not a field/, 'service.create');
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

test('integers are read as Go reads them into the field\'s type', () => {
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

test('null inside an array or as a map value (a zero value to Go) is refused', () => {
  refused('{"HostConfig":{"Binds":["/a:/a",null]}}', /HostConfig\.Binds\[1\] .*null here stands for a zero value/);
  refused('{"Labels":{"a":null}}', /Labels\.a .*null here/);
  refused('{"ExposedPorts":{"80/tcp":null}}', /ExposedPorts\["80\/tcp"\] .*null here/);
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

test('Go arrays ([2]uint ConsoleSize) take exactly their length (Go drops or zero-fills the rest)', () => {
  assert.deepEqual(read('{"HostConfig":{"ConsoleSize":[24,80]}}'), { HostConfig: { ConsoleSize: [24, 80] } });
  refused('{"HostConfig":{"ConsoleSize":[24,80,1]}}', /exactly 2 elements .*3 were sent/);
  refused('{"Detach":false,"ConsoleSize":[24]}', /exactly 2 elements/, 'exec.start');
});

test('port keys must be canonical, so no two keys name the same port to newer engines', () => {
  assert.deepEqual(read('{"ExposedPorts":{"80/tcp":{},"53/udp":{}}}'), { ExposedPorts: { '80/tcp': {}, '53/udp': {} } });
  for (const key of ['80', '080/tcp', '80/TCP', '0/tcp', '65536/tcp', '8000-8010/tcp']) {
    refused(`{"HostConfig":{"PortBindings":{"${key}":[{"HostPort":"8080"}]}}}`, /is not a port as <number>\/<protocol>/);
  }
});

test('struct{} values (Volumes, ExposedPorts, Mode.Global) read only {}', () => {
  refused('{"Volumes":{"/data":{"x":1}}}', /Volumes\["\/data"\]\.x .*not a field/);
  assert.deepEqual(read('{"Mode":{"Global":{}}}', 'service.create'), { Mode: { Global: {} } });
});

test('a label named __proto__ is kept as a label, not turned into a prototype', () => {
  const value = read('{"Labels":{"__proto__":"x","constructor":"y"}}') as { Labels: Record<string, unknown> };
  assert.deepEqual(Object.keys(value.Labels), ['__proto__', 'constructor']);
  assert.equal(Object.getOwnPropertyDescriptor(value.Labels, '__proto__')?.value, 'x');
  assert.equal(Object.getPrototypeOf(value.Labels), Object.prototype);
});

test('documented spellings that Go folds to the field are read as the field, but not both at once', () => {
  const spec = (healthcheck: string): string => `{"TaskTemplate":{"ContainerSpec":{"Image":"x",${healthcheck}}}}`;
  assert.deepEqual(read(spec('"HealthCheck":{"Test":["NONE"]}'), 'service.create'), {
    TaskTemplate: { ContainerSpec: { Image: 'x', Healthcheck: { Test: ['NONE'] } } },
  });
  refused(spec('"HealthCheck":{"Test":["NONE"]},"Healthcheck":{"Test":["CMD","true"]}'), /another spelling of Healthcheck/, 'service.create');
  assert.deepEqual(read('{"TaskTemplate":{"PluginSpec":{"Name":"p","Remote":"r","Disabled":true}}}', 'service.create'), {
    TaskTemplate: { PluginSpec: { name: 'p', remote: 'r', disabled: true } },
  });
  refused('{"TaskTemplate":{"PluginSpec":{"PluginPrivilege":[]}}}', /PluginSpec\.PluginPrivilege .*not a field/, 'service.create');
});

// Per-operation rules: content types, empty and null bodies, size.

test('bodies are judged whatever their Content-Type, but form and multipart bodies are refused', () => {
  const body = '{"Image":"busybox","HostConfig":{"Privileged":true}}';
  for (const contentType of [undefined, 'text/plain', 'application/json; charset=utf-8', 'application/x-tar', 'bogus']) {
    assert.deepEqual(hostConfigOf(read(body, 'container.create', contentType)), { Privileged: true });
  }
  refused(body, /sent as application\/x-www-form-urlencoded/, 'container.create', 'DG_BODY_MALFORMED', 'Application/X-WWW-Form-Urlencoded; charset=utf-8');
  refused(body, /sent as multipart\/form-data/, 'container.create', 'DG_BODY_MALFORMED', 'multipart/form-data; boundary=x');
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

test('container start takes no body beyond {} (engines since API 1.24 refuse longer ones)', () => {
  assert.deepEqual(read('{}', 'container.start'), {});
  refused('{"Privileged":true}', /body field Privileged .*not a field/, 'container.start');
});

test('bodies over the inspection limit are refused with 413', () => {
  const big = Buffer.alloc(INSPECTED_BODY_LIMIT + 1, 0x20);
  refused(big, /more than the 1048576 dockgate reads/, 'container.create', 'DG_BODY_TOO_LARGE');
});

test('refusal messages name paths, never values (values can be tokens or secrets)', () => {
  const error = refused('{"JoinToken":"SWMTKN-1-secret","RemoteAddrs":"10.0.0.1"}', /RemoteAddrs/, 'swarm.join');
  assert.doesNotMatch(error.message, /SWMTKN|10\.0\.0\.1/);
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
