// Variables in compose files are substituted as Compose 1.29 substitutes them, and a form Compose refuses is
// refused at the file, line and column of the value; `.env` beside the first file gives variables, the
// environment overrides it; YAML scalars are what PyYAML makes of them.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { ComposeFileError } from '../../src/check/compose/compose-file-error.js';
import { composeRequests } from '../../src/check/compose/compose-requests.js';
import { parseDotEnv } from '../../src/check/compose/dot-env.js';
import { interpolate, InterpolationError } from '../../src/check/compose/interpolation.js';
import { composeProject, spot } from '../support/compose-files.js';

const VARS = { SET: 'value', EMPTY: '' };

describe('interpolation forms', () => {
  const cases: [string, string][] = [
    ['$SET', 'value'],
    ['${SET}', 'value'],
    ['a${SET}b$SET.c', 'avaluebvalue.c'],
    ['${UNSET}', ''],
    ['$UNSET', ''],
    ['${UNSET:-dflt}', 'dflt'],
    ['${EMPTY:-dflt}', 'dflt'],
    ['${SET:-dflt}', 'value'],
    ['${UNSET-dflt}', 'dflt'],
    ['${EMPTY-dflt}', ''],
    ['${SET:?must}', 'value'],
    ['${EMPTY?must}', ''],
    ['$$SET', '$SET'],
    ['$${SET}', '${SET}'],
    ['${set}', ''],
    ['${UNSET:-a b:c}', 'a b:c'],
  ];
  for (const [text, expected] of cases) {
    test(`${text} → ${JSON.stringify(expected)}`, () => assert.equal(interpolate(text, VARS), expected));
  }

  const refused: [string, 'invalid' | 'required', string?][] = [
    ['$', 'invalid'],
    ['a$ b', 'invalid'],
    ['${', 'invalid'],
    ['${SET', 'invalid'],
    ['$1', 'invalid'],
    ['${SET:x}', 'invalid'],
    ['${}', 'invalid'],
    ['${UNSET:?need it}', 'required', 'need it'],
    ['${EMPTY:?}', 'required', 'EMPTY'],
    ['${UNSET?}', 'required', 'UNSET'],
  ];
  for (const [text, kind, message] of refused) {
    test(`${text} is refused (${kind})`, () => {
      assert.throws(
        () => interpolate(text, VARS),
        (err: unknown) => err instanceof InterpolationError && err.kind === kind && (message === undefined || err.message === message),
      );
    });
  }

  test('the legacy format knows no defaults: ${VAR:-x} is refused there', () => {
    assert.equal(interpolate('${SET}', VARS, false), 'value');
    assert.throws(() => interpolate('${UNSET:-x}', VARS, false), InterpolationError);
  });
});

describe('interpolation in files', () => {
  test('values are substituted, keys are not, and what the value becomes is converted as Compose converts it', () => {
    const dir = composeProject({
      'docker-compose.yml': 'version: "3.8"\nservices:\n  web:\n    image: "busybox:${TAG}"\n    privileged: "${PRIV}"\n    labels:\n      ${KEY}: "${VAL}"\n',
    });
    const [, web] = composeRequests({ files: [join(dir, 'docker-compose.yml')], env: { TAG: '1.36', PRIV: 'yes', KEY: 'k', VAL: 'v' } });
    const body = web!.body as { Image: string; Labels: Record<string, string>; HostConfig: { Privileged?: boolean } };
    assert.equal(body.Image, 'busybox:1.36');
    assert.equal(body.HostConfig.Privileged, true);
    assert.equal(body.Labels['${KEY}'], 'v');
  });

  test('an invalid form is refused at the value, naming the option and service as Compose does', () => {
    const dir = composeProject({ 'docker-compose.yml': 'version: "3.8"\nservices:\n  web:\n    image: busybox\n    user: "x${"\n' });
    const file = join(dir, 'docker-compose.yml');
    assert.throws(
      () => composeRequests({ files: [file], env: {} }),
      (err: unknown) => {
        assert.ok(err instanceof ComposeFileError);
        assert.deepEqual(err.at, spot(file, '"x${"'));
        assert.match(err.message, /^.*docker-compose\.yml:5:11: Invalid interpolation format for "user" option in service "web"/);
        return true;
      },
    );
  });

  test('a required variable that is unset is refused with its message', () => {
    const dir = composeProject({ 'docker-compose.yml': 'version: "3.8"\nservices:\n  web:\n    image: "busybox:${TAG:?set TAG to the release}"\n' });
    assert.throws(() => composeRequests({ files: [join(dir, 'docker-compose.yml')], env: {} }), /4:12: Missing mandatory value for "image" option interpolating .*: set TAG to the release$/);
  });

  test('a value that does not convert is refused where it was written', () => {
    const dir = composeProject({ 'docker-compose.yml': 'version: "3.8"\nservices:\n  web:\n    image: busybox\n    privileged: "${P}"\n' });
    assert.throws(
      () => composeRequests({ files: [join(dir, 'docker-compose.yml')], env: { P: 'maybe' } }),
      /5:17: Error while attempting to convert service\.web\.privileged to appropriate type: "maybe" is not a valid boolean value/,
    );
  });
});

describe('.env and the environment', () => {
  test('.env beside the first file gives variables; the environment overrides it', () => {
    const dir = composeProject({
      'docker-compose.yml': 'version: "3.8"\nservices:\n  web:\n    image: "busybox:${TAG}"\n    user: "${RUN_AS}"\n',
      '.env': '# the release\nTAG=from-dotenv\nexport RUN_AS="1000:1000"  # quoted\n',
    });
    const file = join(dir, 'docker-compose.yml');
    const fromFile = composeRequests({ files: [file], env: {} }).at(-1)!.body as { Image: string; User: string };
    assert.equal(fromFile.Image, 'busybox:from-dotenv');
    assert.equal(fromFile.User, '1000:1000');
    const overridden = composeRequests({ files: [file], env: { TAG: 'from-env' } }).at(-1)!.body as { Image: string };
    assert.equal(overridden.Image, 'busybox:from-env');
  });

  test('.env values refer to earlier ones and to the environment, as python-dotenv resolves them', () => {
    assert.deepEqual(parseDotEnv('A=1\nB=${A}2\nC=${HOME_DIR}/x\nD=${NONE:-fallback}\n', { HOME_DIR: '/home/u' }), { A: '1', B: '12', C: '/home/u/x', D: 'fallback' });
  });

  test('a name without a value in environment: takes the variable, or goes alone when unset', () => {
    const dir = composeProject({ 'docker-compose.yml': 'version: "3.8"\nservices:\n  web:\n    image: busybox\n    environment: [FROM_ENV, NOT_SET, GIVEN=1]\n' });
    const body = composeRequests({ files: [join(dir, 'docker-compose.yml')], env: { FROM_ENV: 'x' } }).at(-1)!.body as { Env: string[] };
    assert.deepEqual(body.Env, ['FROM_ENV=x', 'NOT_SET', 'GIVEN=1']);
  });

  test('env_file entries come first, environment: overrides them', () => {
    const dir = composeProject({
      'docker-compose.yml': 'version: "3.8"\nservices:\n  web:\n    image: busybox\n    env_file: web.env\n    environment: { B: from-compose }\n',
      'web.env': 'A=from-file\nB=from-file\n',
    });
    const body = composeRequests({ files: [join(dir, 'docker-compose.yml')], env: {} }).at(-1)!.body as { Env: string[] };
    assert.deepEqual(body.Env, ['A=from-file', 'B=from-compose']);
  });
});

describe('YAML as PyYAML reads it', () => {
  test('y and n are text, yes/on are true, 1e3 is text, merge keys fill what the mapping does not set', () => {
    const dir = composeProject({
      'docker-compose.yml':
        'version: "3.8"\nx-base: &base\n  image: busybox\n  user: nobody\nservices:\n  web:\n    <<: *base\n    user: y\n    read_only: on\n    labels: { big: 1e3, octal: 0755 }\n',
    });
    const body = composeRequests({ files: [join(dir, 'docker-compose.yml')], env: {} }).at(-1)!.body as {
      Image: string;
      User: string;
      Labels: Record<string, string>;
      HostConfig: { ReadonlyRootfs: boolean };
    };
    assert.equal(body.Image, 'busybox');
    assert.equal(body.User, 'y');
    assert.equal(body.HostConfig.ReadonlyRootfs, true);
    assert.equal(body.Labels['big'], '1e3');
    assert.equal(body.Labels['octal'], '493');
  });

  test('a file YAML cannot read is refused at the place it fails', () => {
    const dir = composeProject({ 'docker-compose.yml': 'version: "3.8"\nservices:\n\tweb:\n    image: busybox\n' });
    assert.throws(() => composeRequests({ files: [join(dir, 'docker-compose.yml')], env: {} }), /docker-compose\.yml:3:1: YAML: /);
  });
});
