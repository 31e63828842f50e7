// Pins how request targets are read: every row of FIELD-NOTES section 2, every refusal, and the
// canonical re-encoding the engine must decode back to exactly what was judged.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GatewayError, type ErrorCode } from '../../src/errors/catalogue.js';
import { parseRequestTarget, type RequestTarget } from '../../src/route/request-target.js';

const MIN = [1, 24];

function parse(target: string, min: readonly number[] = MIN): RequestTarget {
  return parseRequestTarget(target, min);
}

function assertRefused(target: string, code: ErrorCode, min: readonly number[] = MIN): GatewayError {
  let caught: unknown;
  try {
    parse(target, min);
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof GatewayError, `${JSON.stringify(target)} should be refused with ${code}`);
  assert.equal(caught.code, code, `${JSON.stringify(target)}: ${caught.message}`);
  assert.match(caught.message, /^dockgate: .+ denied by [a-z.-]+: .+\. .+$/);
  return caught;
}

/** What Go's url package would hand gorilla mux: the percent-decoded path. */
function engineDecodedPath(forwarded: string): string {
  const question = forwarded.indexOf('?');
  return decodeURIComponent(question === -1 ? forwarded : forwarded.slice(0, question));
}

test('a target without a version prefix is accepted and forwarded without one (the engine uses its own)', () => {
  const target = parse('/containers/json');
  assert.equal(target.version, undefined);
  assert.equal(target.path, '/containers/json');
  assert.deepEqual(target.segments, ['containers', 'json']);
  assert.equal(target.forwardTarget(), '/containers/json');
});

test('versions are read numerically like moby versions.compare and forwarded canonically', () => {
  for (const prefix of ['/v1.41', '/v01.41', '/v1.041', '/v1.41.0', '/v1.41.0.0', '/v0001.00041']) {
    const target = parse(`${prefix}/containers/json`);
    assert.equal(target.version, '1.41', prefix);
    assert.equal(target.path, '/containers/json', prefix);
    assert.equal(target.forwardTarget(), '/v1.41/containers/json', prefix);
  }
  assert.equal(parse('/v1.56/_ping').version, '1.56');
});

test('versions newer than the newest dockgate knows (1.56) are refused with DG_API_VERSION_TOO_NEW', () => {
  for (const prefix of ['/v1.57', '/v1.99', '/v2.0', '/v01.057']) {
    const error = assertRefused(`${prefix}/containers/json`, 'DG_API_VERSION_TOO_NEW');
    assert.match(error.message, /knows the Engine API up to 1\.56/);
  }
});

test('/volumes and /version are paths, not version prefixes', () => {
  assert.equal(parse('/volumes').version, undefined);
  assert.equal(parse('/volumes').path, '/volumes');
  assert.equal(parse('/version').path, '/version');
  assert.equal(parse('/v1.41/version').path, '/version');
  assert.equal(parse('/vx1/json').path, '/vx1/json');
});

test('versions from the minimum up are accepted with their own number', () => {
  for (let minor = 24; minor <= 41; minor++) {
    assert.equal(parse(`/v1.${minor}/containers/json`).version, `1.${minor}`);
  }
});

test('versions below the minimum are refused with DG_API_VERSION_UNSUPPORTED naming the minimum and --min-api-version', () => {
  for (let minor = 12; minor <= 23; minor++) {
    const error = assertRefused(`/v1.${minor}/containers/json`, 'DG_API_VERSION_UNSUPPORTED');
    assert.match(error.message, /1\.24/);
    assert.match(error.message, /--min-api-version/);
  }
  assertRefused('/v1/_ping', 'DG_API_VERSION_UNSUPPORTED');
  assertRefused('/v0.99/_ping', 'DG_API_VERSION_UNSUPPORTED');
  assertRefused('/v01.023/_ping', 'DG_API_VERSION_UNSUPPORTED');
});

test('a lowered minimum admits old versions', () => {
  assert.equal(parse('/v1.12/containers/json', [1, 12]).version, '1.12');
  assertRefused('/v1.11/containers/json', 'DG_API_VERSION_UNSUPPORTED', [1, 12]);
});

test('malformed version prefixes are refused: capital V, empty, empty components, non-numeric, patch levels, huge', () => {
  for (const prefix of ['/V1.41', '/v', '/v.', '/v.41', '/v1.', '/v1..41', '/v1.41x', '/v1.4a', '/v1.41.1', '/v1.41.0.2', '/v1.9999999', '/v99999999.1']) {
    assertRefused(`${prefix}/containers/json`, 'DG_PATH_MALFORMED');
  }
  assertRefused('/%56%31.41/containers/json', 'DG_PATH_MALFORMED');
});

test('a version prefix spelled with escapes is decoded first, as dockerd routes the decoded path', () => {
  const target = parse('/%76%31.41/containers/json');
  assert.equal(target.version, '1.41');
  assert.equal(target.forwardTarget(), '/v1.41/containers/json');
});

test('a version prefix with nothing after it is refused', () => {
  assertRefused('/v1.41', 'DG_PATH_MALFORMED');
  assertRefused('/v1.41/', 'DG_PATH_MALFORMED');
});

test('percent escapes are decoded, %2F included, and routed as separators', () => {
  for (const raw of ['/v1.41/%63ontainers/json', '/v1.41/containers%2Fjson', '/v1.41/containers%2fjson', '/v1.41/%63%6F%6e%74ainers%2Fjson']) {
    const target = parse(raw);
    assert.equal(target.path, '/containers/json', raw);
    assert.deepEqual(target.segments, ['containers', 'json'], raw);
    assert.equal(target.forwardTarget(), '/v1.41/containers/json', raw);
  }
  const image = parse('/v1.41/images/registry.example.com%3A5000%2Fteam%2Fapp%3A1.0/json');
  assert.deepEqual(image.segments, ['images', 'registry.example.com:5000', 'team', 'app:1.0', 'json']);
  assert.equal(image.forwardTarget(), '/v1.41/images/registry.example.com:5000/team/app:1.0/json');
});

test('names with spaces, unicode and reserved characters keep their decoded form', () => {
  const target = parse('/v1.41/containers/a%20b/json');
  assert.equal(target.path, '/containers/a b/json');
  assert.equal(target.forwardTarget(), '/v1.41/containers/a%20b/json');
  assert.equal(parse('/containers/caf%C3%A9/json').segments[1], 'café');
  assert.equal(parse('/containers/a+b/json').segments[1], 'a+b', '+ is literal in paths');
  assert.equal(parse('/containers/a%23b%3Fc%25d/json').segments[1], 'a#b?c%d');
});

test('targets not in origin form are refused: absolute, authority, asterisk, empty', () => {
  for (const raw of ['http://evil/_ping', 'HTTP://evil/v1.41/_ping', 'https://localhost/containers/json', 'localhost:2375', '*', '', '_ping', ' /_ping']) {
    assertRefused(raw, 'DG_PATH_MALFORMED');
  }
});

test('invalid percent escapes and encodings that are not UTF-8 are refused', () => {
  for (const raw of ['/containers/%zz/json', '/containers/a%2/json', '/containers/a%/json', '/containers/%ff/json', '/containers/%c0%af/json', '/containers/%ed%a0%80/json']) {
    assertRefused(raw, 'DG_PATH_MALFORMED');
  }
});

test('decoded control characters and line separators are refused', () => {
  for (const raw of [
    '/containers/a%00/json',
    '/containers/a%0a/json',
    '/containers/a%0D%0Ab/json',
    '/containers/a%09/json',
    '/containers/a%7f/json',
    '/containers/a%C2%85/json',
    '/containers/a%E2%80%A8b/json',
    '/containers/a%E2%80%A9/json',
  ]) {
    assertRefused(raw, 'DG_PATH_MALFORMED');
  }
});

test('raw characters outside RFC 3986 pchar are refused in the path', () => {
  for (const raw of [
    '/containers/a b/json',
    '/containers/café/json',
    '/containers/a#b/json',
    '/containers/a\\b/json',
    '/containers/{a}/json',
    '/containers/a"b/json',
    '/containers/a|b/json',
    '/containers/a\tb/json',
    '/containers/a^b/json',
    '/containers/a`b/json',
    '/containers/a<b>/json',
  ]) {
    assertRefused(raw, 'DG_PATH_MALFORMED');
  }
});

test('dot segments are refused, also when they only appear after decoding', () => {
  for (const raw of [
    '/v1.41/containers/../images/json',
    '/v1.41/./containers/json',
    '/containers/x/..',
    '/containers/%2e%2e/json',
    '/containers/.%2E/json',
    '/containers/%2E/json',
    '/containers/a%2F..%2Fb/json',
    '/v1.41/..',
  ]) {
    assertRefused(raw, 'DG_PATH_MALFORMED');
  }
  assert.equal(parse('/containers/.../json').segments[1], '...');
  assert.equal(parse('/containers/a..b/json').segments[1], 'a..b');
});

test('double slashes, trailing slashes and the empty path are refused', () => {
  for (const raw of [
    '//v1.41/containers/json',
    '/v1.41//containers/json',
    '/containers//json',
    '/containers/json/',
    '/',
    '//',
    '/containers%2F%2Fjson',
    '/containers/json%2F',
    '/networks/',
  ]) {
    assertRefused(raw, 'DG_PATH_MALFORMED');
  }
});

test('; path parameters are refused, raw or encoded', () => {
  for (const raw of ['/v1.41/containers/json;x=1', '/containers;x/json', '/containers/a%3Bb/json']) {
    assertRefused(raw, 'DG_PATH_MALFORMED');
  }
});

test('the query is read like Go url.ParseQuery: & separates, + is a space, escapes decode', () => {
  const { query } = parse('/containers/json?all=1&filters=%7B%22status%22%3A%5B%22running%22%5D%7D&q=a+b%2Bc&empty=&bare');
  assert.equal(query.get('all'), '1');
  assert.equal(query.get('filters'), '{"status":["running"]}');
  assert.equal(query.get('q'), 'a b+c');
  assert.equal(query.get('empty'), '');
  assert.equal(query.get('bare'), '');
  assert.equal(query.has('bare'), true);
  assert.equal(query.has('missing'), false);
  assert.equal(query.get('missing'), undefined);
  assert.deepEqual(query.all('missing'), []);
  assert.deepEqual(query.names(), ['all', 'filters', 'q', 'empty', 'bare']);
});

test('query names are case-sensitive, as in Go url.Values', () => {
  const { query } = parse('/containers/json?All=1');
  assert.equal(query.get('all'), undefined);
  assert.equal(query.get('All'), '1');
});

test('empty query pairs are skipped as Go skips them', () => {
  const target = parse('/containers/json?&all=1&&size=0&');
  assert.deepEqual(target.query.names(), ['all', 'size']);
  assert.equal(target.forwardTarget(), '/containers/json?all=1&size=0');
  assert.equal(parse('/containers/json?').forwardTarget(), '/containers/json');
});

test('a repeated parameter read as a single value is its first value, as Go reads it', () => {
  const { query } = parse('/containers/json?name=a&name=b');
  assert.deepEqual(query.all('name'), ['a', 'b']);
  assert.equal(query.get('name'), 'a');
});

test('repeated list parameters keep their order in the canonical form', () => {
  const target = parse('/commit?container=c&changes=CMD+%5B%22sh%22%5D&repo=r&changes=ENV+A%3Db');
  assert.deepEqual(target.query.all('changes'), ['CMD ["sh"]', 'ENV A=b']);
  assert.equal(target.forwardTarget(), '/commit?container=c&changes=CMD+%5B%22sh%22%5D&repo=r&changes=ENV+A%3Db');
});

test('malformed queries are refused: ;, invalid escapes, non-UTF-8, raw # and non-ASCII, nameless pairs', () => {
  for (const raw of [
    '/containers/json?a=1;b=2',
    '/containers/json?a;=1',
    '/containers/json?a=%zz',
    '/containers/json?a=%',
    '/containers/json?%=1',
    '/containers/json?a=%ff',
    '/containers/json?a=b#frag',
    '/containers/json?a=café',
    '/containers/json?a=b c',
    '/containers/json?=x',
    '/containers/json?a=\u0001',
  ]) {
    assertRefused(raw, 'DG_QUERY_MALFORMED');
  }
});

test('an encoded ; in a query value is an ordinary character', () => {
  const target = parse('/containers/json?label=a%3Bb');
  assert.equal(target.query.get('label'), 'a;b');
  assert.equal(target.forwardTarget(), '/containers/json?label=a%3Bb');
});

test('raw printable punctuation in the query is accepted literally and re-encoded', () => {
  const target = parse('/containers/json?filters={"status":["running"]}&x=a?b/c');
  assert.equal(target.query.get('filters'), '{"status":["running"]}');
  assert.equal(target.query.get('x'), 'a?b/c');
  assert.equal(target.forwardTarget(), '/containers/json?filters=%7B%22status%22%3A%5B%22running%22%5D%7D&x=a%3Fb%2Fc');
});

test('the forwarded target decodes to exactly the judged path and re-parses to the same target', () => {
  const samples = [
    '/v01.041/containers/a%20b/json?all=1',
    '/v1.41/images/registry.example.com:5000/team/app:1.0/json',
    '/v1.41/images/registry.example.com%3A5000%2Fteam%2Fapp%40sha256%3Aabc/json',
    '/containers/caf%C3%A9%F0%9F%90%B3/json?x=%F0%9F%90%B3+y',
    '/containers/a%23b%3Fc%25d%26e%3Df%2Bg/json?k%20ey=v%26al%3Due',
    "/containers/a!$&'()*+,=:@b/json",
    '/volumes/%5Cback%5Cslash%7Bbraces%7D',
    '/v1.56/containers/json?filters={"label":["a=b"]}&limit=5&filters=x',
  ];
  for (const raw of samples) {
    const judged = parse(raw);
    const forwarded = judged.forwardTarget();
    const prefix = judged.version === undefined ? '' : `/v${judged.version}`;
    assert.equal(engineDecodedPath(forwarded), prefix + judged.path, raw);
    const again = parse(forwarded);
    assert.equal(again.version, judged.version, raw);
    assert.equal(again.path, judged.path, raw);
    assert.deepEqual(again.segments, judged.segments, raw);
    for (const name of judged.query.names()) assert.deepEqual(again.query.all(name), judged.query.all(name), `${raw} ${name}`);
    assert.deepEqual(again.query.names(), judged.query.names(), raw);
    assert.equal(again.forwardTarget(), forwarded, `${raw}: the canonical form is a fixed point`);
    assert.match(forwarded, /^[A-Za-z0-9\-._~!$&'()*+,=:@%/?]*$/, `${raw}: only characters every HTTP stack reads alike`);
  }
});

test('refusal messages quote the target escaped and bounded', () => {
  const error = assertRefused(`/containers/${'a'.repeat(500)}/%00`, 'DG_PATH_MALFORMED');
  assert.ok(error.message.length < 500, 'message is bounded');
  assert.match(assertRefused('/x%0Ay/..', 'DG_PATH_MALFORMED').message, /"\/x%0Ay\/\.\."/);
});

test('a decision replaces query values where the client first gave them: a string one value, a list every value, new ones last', () => {
  const target = parse('/v1.41/commit?changes=CMD%20true&container=web&changes=ENV%20A%3D1&repo=mine');
  assert.equal(
    target.forwardTargetWith({ query: { container: 'f'.repeat(64), changes: ['CMD true', 'ENV A=1', 'LABEL x=y'], comment: 'new' } }),
    `/v1.41/commit?changes=CMD+true&changes=ENV+A%3D1&changes=LABEL+x%3Dy&container=${'f'.repeat(64)}&repo=mine&comment=new`,
  );
  assert.equal(target.forwardTargetWith({ query: { changes: [] } }), '/v1.41/commit?container=web&repo=mine', 'an empty list forwards no value');
  assert.equal(target.forwardTarget(), '/v1.41/commit?changes=CMD+true&container=web&changes=ENV+A%3D1&repo=mine', 'the client’s query unchanged otherwise');
});
