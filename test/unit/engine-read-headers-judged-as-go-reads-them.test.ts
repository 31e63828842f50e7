// The request headers the engine reads (Content-Type, X-Registry-Auth, X-Registry-Config, User-Agent,
// Upgrade, BuildKit's session headers): a value outside visible ASCII could mean something else to Go's
// Unicode-aware string functions than to JavaScript's, so it is refused; the first line of each is the
// judged value, the one forwarded; and a form body, in every ASCII spelling Go's mime.ParseMediaType
// reads as one, is refused on every route.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GatewayError } from '../../src/errors/catalogue.js';
import { readEngineHeaders } from '../../src/route/engine-headers.js';
import { refuseFormBodies } from '../../src/route/form-bodies.js';

/** Node hands header bytes over as latin1 text: the UTF-8 bytes of `İ` (C4 B0) arrive as "Ä°". */
const latin1 = (utf8: string): string => Buffer.from(utf8, 'utf8').toString('latin1');

test('a value with bytes outside visible ASCII in any header the engine reads is refused, naming the header', () => {
  const cases: [string, string][] = [
    ['Content-Type', latin1('APPL\u0130CATION/X-WWW-FORM-URLENCODED')],
    ['Content-Type', latin1('application/json\u0085')],
    ['content-type', 'application/json\u00a0'],
    ['X-Registry-Auth', latin1('eyJ\u212a')],
    ['X-Registry-Config', 'e30=\u00ff'],
    ['User-Agent', latin1('Docker-Client/\u017f')],
    ['Upgrade', latin1('h2\u0441')],
    ['X-Docker-Expose-Session-Grpc-Method', latin1('/moby.filesync.v1.FileSync/DiffCopy\u2028')],
  ];
  for (const [name, value] of cases) {
    assert.throws(
      () => readEngineHeaders(['Host', 'docker', name, value]),
      (err: unknown) => err instanceof GatewayError && err.code === 'DG_HEADER_MALFORMED' && err.message.includes(`header ${name}`) && /outside visible ASCII/.test(err.message),
      `${name}: ${JSON.stringify(value)}`,
    );
  }
});

test('headers the engine does not read are not judged (nor forwarded); ASCII with tabs is read alike and kept', () => {
  const headers = readEngineHeaders(['X-Custom', latin1('caf\u00e9'), 'Content-Type', 'application/json;\tcharset=utf-8', 'User-Agent', 'Docker-Client/28.2.2 (linux)']);
  assert.deepEqual(headers, { 'content-type': 'application/json;\tcharset=utf-8', 'user-agent': 'Docker-Client/28.2.2 (linux)' });
});

test('the first line of a repeated header is the judged one, as Go reads it', () => {
  const headers = readEngineHeaders(['X-Registry-Auth', 'first', 'x-registry-auth', 'second', 'Content-Type', 'application/json', 'Content-Type', 'application/x-www-form-urlencoded']);
  assert.deepEqual(headers, { 'x-registry-auth': 'first', 'content-type': 'application/json' });
});

test('form bodies are refused in every spelling Go reads as a form, and only those', () => {
  for (const contentType of ['application/x-www-form-urlencoded', 'Application/X-WWW-Form-Urlencoded; charset=utf-8', ' MULTIPART/FORM-DATA ; boundary=x', '\tmultipart/form-data']) {
    assert.throws(() => refuseFormBodies('POST', '/containers/c/rename', contentType), /denied by body\.canonical: the engine would read parameters from a form body/, contentType);
  }
  for (const contentType of [undefined, 'application/json', 'application/x-tar', 'text/plain', 'application/x-www-form-urlencodedx']) {
    assert.doesNotThrow(() => refuseFormBodies('POST', '/containers/c/rename', contentType), String(contentType));
  }
});
