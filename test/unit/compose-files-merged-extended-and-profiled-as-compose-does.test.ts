// A project is resolved as Compose 1.29 resolves it: later -f files merged over earlier ones by Compose's
// rules, `extends` from the same file and from another, profiles choosing services, the legacy format and
// the later ones told apart by their keys, names as Compose gives them; and every merged value still
// points at the file, line and column that set it.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import type { CheckedRequest } from '../../src/check/checked-request.js';
import { composeRequests } from '../../src/check/compose/compose-requests.js';
import { ConfigError } from '../../src/errors/config-error.js';
import { composeProject, spot } from '../support/compose-files.js';

interface Body {
  Image: string;
  User?: string;
  Env?: string[];
  Labels: Record<string, string>;
  HostConfig: Record<string, unknown> & { CapAdd?: string[]; Binds: string[]; PortBindings: Record<string, unknown[]>; LogConfig: { Type: string; Config: Record<string, string> } };
}

function container(requests: CheckedRequest[], service: string): CheckedRequest & { body: Body } {
  const found = requests.find((r) => r.subject === `service ${service}`);
  assert.ok(found, `a create for ${service} among ${requests.map((r) => r.subject).join(', ')}`);
  return found as CheckedRequest & { body: Body };
}

describe('-f files merged as Compose merges them', () => {
  const dir = composeProject({
    'docker-compose.yml': `version: "3.8"
services:
  web:
    image: busybox
    user: "1000"
    cap_add: [NET_ADMIN, CHOWN]
    volumes: ["/srv/data:/data", "/srv/logs:/logs:ro"]
    ports: ["127.0.0.1:8080:80"]
    environment: { A: base, B: base }
    logging: { driver: json-file, options: { max-size: 1m } }
  other:
    image: busybox
    cap_add: [SYS_TIME, CHOWN, CHOWN]
`,
    'override.yml': `version: "3.8"
services:
  web:
    user: "2000"
    cap_add: [AUDIT_WRITE, CHOWN]
    volumes: ["/etc:/data:ro", "/srv/cache:/cache"]
    ports: ["127.0.0.1:9090:90"]
    environment: [B=override]
    logging: { options: { max-file: "3" } }
`,
  });
  const base = join(dir, 'docker-compose.yml');
  const override = join(dir, 'override.yml');
  const requests = composeRequests({ files: [base, override], env: {} });
  const web = container(requests, 'web');

  test('a scalar is the later file’s, located there', () => {
    assert.equal(web.body.User, '2000');
    assert.deepEqual(web.locate('User'), spot(override, 'user:'));
  });

  test('cap_add is the sorted union, each capability located in the file that added it', () => {
    assert.deepEqual(web.body.HostConfig.CapAdd, ['AUDIT_WRITE', 'CHOWN', 'NET_ADMIN']);
    assert.deepEqual(web.locate('HostConfig.CapAdd[0]'), spot(override, 'AUDIT_WRITE'));
    assert.deepEqual(web.locate('HostConfig.CapAdd[2]'), spot(base, 'NET_ADMIN'));
  });

  test('with more than one file every service is merged: a list only one file sets is sorted and deduplicated too', () => {
    assert.deepEqual(container(requests, 'other').body.HostConfig.CapAdd, ['CHOWN', 'SYS_TIME']);
  });

  test('volumes are keyed by their container path: the later file’s /data replaces the earlier, sorted by path', () => {
    assert.deepEqual(web.body.HostConfig.Binds, ['/srv/cache:/cache:rw', '/etc:/data:ro', '/srv/logs:/logs:ro']);
    assert.deepEqual(web.locate('HostConfig.Binds[1]'), spot(override, '"/etc:/data:ro"'));
    assert.deepEqual(web.locate('HostConfig.Binds[2]'), spot(base, '"/srv/logs:/logs:ro"'));
  });

  test('ports are kept from both files, each located in its file', () => {
    assert.deepEqual(Object.keys(web.body.HostConfig.PortBindings), ['80/tcp', '90/tcp']);
    assert.deepEqual(web.locate('HostConfig.PortBindings.90/tcp[0]'), spot(override, '"127.0.0.1:9090:90"'));
    assert.deepEqual(web.locate('HostConfig.PortBindings.80/tcp[0]'), spot(base, '"127.0.0.1:8080:80"'));
  });

  test('environment merges by name, the later file winning', () => {
    assert.deepEqual(web.body.Env, ['A=base', 'B=override']);
    assert.deepEqual(web.locate('Env[1]'), spot(override, 'B=override'));
  });

  test('logging options merge while the driver stays the same', () => {
    assert.deepEqual(web.body.HostConfig.LogConfig, { Type: 'json-file', Config: { 'max-size': '1m', 'max-file': '3' } });
  });

  test('a later file that changes the log driver drops the earlier options', () => {
    const d = composeProject({
      'a.yml': 'version: "3.8"\nservices:\n  web:\n    image: busybox\n    logging: { driver: json-file, options: { max-size: 1m } }\n',
      'b.yml': 'version: "3.8"\nservices:\n  web:\n    logging: { driver: syslog, options: { tag: web } }\n',
    });
    const merged = container(composeRequests({ files: [join(d, 'a.yml'), join(d, 'b.yml')], env: {} }), 'web');
    assert.deepEqual(merged.body.HostConfig.LogConfig, { Type: 'syslog', Config: { tag: 'web' } });
  });

  test('a file that cannot be read is an error naming it, one line, no stack', () => {
    assert.throws(
      () => composeRequests({ files: [join(dir, 'missing.yml')], env: {} }),
      (err: unknown) => err instanceof ConfigError && /missing\.yml:1:1: cannot read the compose file: ENOENT/.test(err.message) && !err.message.includes('\n'),
    );
  });

  test('files of different formats are refused', () => {
    const d = composeProject({ 'a.yml': 'version: "3.8"\nservices:\n  web:\n    image: busybox\n', 'b.yml': 'web:\n  image: busybox\n' });
    assert.throws(() => composeRequests({ files: [join(d, 'a.yml'), join(d, 'b.yml')], env: {} }), /Version mismatch/);
  });
});

describe('extends', () => {
  test('from the same file: the base’s keys, the service’s own over them, each located where written', () => {
    const dir = composeProject({
      'docker-compose.yml': `version: "3.8"
services:
  base:
    image: busybox
    privileged: true
    cap_add: [NET_ADMIN]
  web:
    extends: base
    cap_add: [SYS_TIME]
    user: "1000"
  api:
    extends: { service: base }
    privileged: false
`,
    });
    const file = join(dir, 'docker-compose.yml');
    const requests = composeRequests({ files: [file], env: {} });
    const web = container(requests, 'web');
    assert.equal(web.body.Image, 'busybox');
    assert.equal(web.body.HostConfig['Privileged'], true);
    assert.deepEqual(web.locate('HostConfig.Privileged'), spot(file, 'privileged:'));
    assert.deepEqual(web.body.HostConfig.CapAdd, ['NET_ADMIN', 'SYS_TIME']);
    assert.deepEqual(web.locate('HostConfig.CapAdd[1]'), spot(file, 'SYS_TIME'));
    assert.equal(container(requests, 'api').body.HostConfig['Privileged'], undefined);
  });

  test('from another file: its relative paths are taken from its own directory, its keys located in it', () => {
    const dir = composeProject({
      'docker-compose.yml': 'version: "3.8"\nservices:\n  web:\n    extends: { file: lib/base.yml, service: base }\n',
      'lib/base.yml': 'version: "3.8"\nservices:\n  base:\n    image: busybox\n    volumes: ["./state:/state"]\n    pid: host\n',
    });
    const other = join(dir, 'lib', 'base.yml');
    const web = container(composeRequests({ files: [join(dir, 'docker-compose.yml')], env: {} }), 'web');
    assert.deepEqual(web.body.HostConfig.Binds, [`${join(dir, 'lib', 'state')}:/state:rw`]);
    assert.deepEqual(web.locate('HostConfig.Binds[0]'), spot(other, '"./state:/state"'));
    assert.deepEqual(web.locate('HostConfig.PidMode'), spot(other, 'pid:'));
  });

  test('a cycle, a missing service and a base with links are refused where the extends names them', () => {
    const dir = composeProject({
      'cycle.yml': 'version: "3.8"\nservices:\n  a:\n    image: busybox\n    extends: b\n  b:\n    image: busybox\n    extends: a\n',
      'missing.yml': 'version: "3.8"\nservices:\n  a:\n    image: busybox\n    extends: nothere\n',
      'links.yml': 'version: "3.8"\nservices:\n  db:\n    image: busybox\n  base:\n    image: busybox\n    links: [db]\n  web:\n    extends: base\n',
    });
    assert.throws(() => composeRequests({ files: [join(dir, 'cycle.yml')], env: {} }), /Circular reference/);
    assert.throws(() => composeRequests({ files: [join(dir, 'missing.yml')], env: {} }), /missing\.yml:5:14: Cannot extend service 'nothere' in .*: Service not found/);
    assert.throws(() => composeRequests({ files: [join(dir, 'links.yml')], env: {} }), /links\.yml:7:5: Cannot extend service 'base' .*services with 'links' cannot be extended/);
  });
});

describe('profiles', () => {
  const dir = composeProject({
    'docker-compose.yml': `version: "3.8"
services:
  web:
    image: busybox
  debug:
    image: busybox
    pid: host
    profiles: [debug]
  needs-debug:
    image: busybox
    profiles: [tools]
    depends_on: [debug]
`,
    'with-env/docker-compose.yml': 'version: "3.8"\nservices:\n  debug:\n    image: busybox\n    profiles: [debug]\n',
    'with-env/.env': 'COMPOSE_PROFILES=debug\n',
  });
  const file = join(dir, 'docker-compose.yml');
  const services = (requests: CheckedRequest[]): string[] => requests.filter((r) => r.subject.startsWith('service ')).map((r) => r.subject);

  test('a service with profiles is left out unless one of them is active', () => {
    assert.deepEqual(services(composeRequests({ files: [file], env: {} })), ['service web']);
    assert.deepEqual(services(composeRequests({ files: [file], profiles: ['debug'], env: {} })), ['service web', 'service debug']);
  });

  test('COMPOSE_PROFILES activates profiles, from the environment or .env', () => {
    assert.deepEqual(services(composeRequests({ files: [file], env: { COMPOSE_PROFILES: 'debug' } })), ['service web', 'service debug']);
    assert.deepEqual(services(composeRequests({ files: [join(dir, 'with-env', 'docker-compose.yml')], env: {} })), ['service debug']);
  });

  test('a dependency left out by the profiles is refused where it is named', () => {
    assert.throws(
      () => composeRequests({ files: [file], profiles: ['tools'], env: {} }),
      /docker-compose\.yml:12:18: Service "debug" was pulled in as a dependency of service "needs-debug"/,
    );
  });
});

describe('formats, names and order', () => {
  test('the legacy format: services at the top level, net:, named volumes taken as written, no networks created', () => {
    const dir = composeProject({ 'docker-compose.yml': 'web:\n  image: busybox\n  net: host\n  volumes: ["data:/data"]\n' });
    const requests = composeRequests({ files: [join(dir, 'docker-compose.yml')], env: {} });
    assert.deepEqual(
      requests.map((r) => r.subject),
      ['service web'],
    );
    const web = container(requests, 'web');
    assert.equal(web.body.HostConfig['NetworkMode'], 'host');
    assert.deepEqual(web.body.HostConfig.Binds, ['data:/data:rw']);
  });

  test('a key the schema does not know is refused at the key: a misspelt one in a v3 file, net in a v2 one', () => {
    const dir = composeProject({
      'uts.yml': 'version: "3.8"\nservices:\n  web:\n    image: busybox\n    uts_mode: host\n',
      'net.yml': 'version: "2.4"\nservices:\n  web:\n    image: busybox\n    net: host\n',
    });
    assert.throws(() => composeRequests({ files: [join(dir, 'uts.yml')], env: {} }), /uts\.yml:5:5: Unsupported config option for services\.web: 'uts_mode'/);
    assert.throws(() => composeRequests({ files: [join(dir, 'net.yml')], env: {} }), /net\.yml:5:5: Unsupported config option for services\.web: 'net'/);
  });

  test('project, container, volume and network names as Compose 1.29 gives them', () => {
    const dir = composeProject(
      {
        'docker-compose.yml': 'version: "3.8"\nservices:\n  web:\n    image: busybox\n    volumes: [data:/data]\n  db:\n    image: busybox\n    container_name: the-db\nvolumes:\n  data:\n',
      },
      'My.Shop',
    );
    const file = join(dir, 'docker-compose.yml');
    const requests = composeRequests({ files: [file], env: {} });
    assert.deepEqual(
      requests.map((r) => `${r.path} ${(r.body as { Name?: string }).Name ?? ''}`),
      ['/v1.41/networks/create myshop_default', '/v1.41/volumes/create myshop_data', '/v1.41/containers/create?name=myshop_web_1 ', '/v1.41/containers/create?name=the-db '],
    );
    assert.deepEqual(container(requests, 'db').locate('?name'), spot(file, 'container_name:'));
    assert.equal(composeRequests({ files: [file], projectName: 'Other', env: {}, apiVersion: '1.43' })[0]!.path, '/v1.43/networks/create');
    assert.equal((composeRequests({ files: [file], env: { COMPOSE_PROJECT_NAME: 'fromenv' } })[0]!.body as { Name: string }).Name, 'fromenv_default');
  });

  test('scale and deploy.replicas ask for more containers, numbered; both at once are refused', () => {
    const dir = composeProject({
      'scaled.yml': 'version: "3.8"\nservices:\n  web:\n    image: busybox\n    scale: 2\n  none:\n    image: busybox\n    deploy: { replicas: 0 }\n',
      'both.yml': 'version: "3.8"\nservices:\n  web:\n    image: busybox\n    scale: 2\n    deploy: { replicas: 3 }\n',
    });
    const requests = composeRequests({ files: [join(dir, 'scaled.yml')], env: {} }).filter((r) => r.subject.startsWith('service'));
    assert.deepEqual(
      requests.map((r) => [r.subject, r.path, (r.body as Body).Labels['com.docker.compose.container-number']]),
      [
        ['service web', '/v1.41/containers/create?name=app_web_1', '1'],
        ['service web (container 2)', '/v1.41/containers/create?name=app_web_2', '2'],
      ],
    );
    assert.throws(() => composeRequests({ files: [join(dir, 'both.yml')], env: {} }), /both\.yml:5:5: Both service\.scale and service\.deploy\.replicas are set/);
  });

  test('services come after those they depend on', () => {
    const dir = composeProject({
      'docker-compose.yml':
        'version: "3.8"\nservices:\n  web:\n    image: busybox\n    depends_on: [db]\n  db:\n    image: busybox\n    network_mode: service:cache\n  cache:\n    image: busybox\n',
    });
    const requests = composeRequests({ files: [join(dir, 'docker-compose.yml')], env: {} });
    assert.deepEqual(
      requests.filter((r) => r.subject.startsWith('service')).map((r) => r.subject),
      ['service cache', 'service db', 'service web'],
    );
    assert.equal(container(requests, 'db').body.HostConfig['NetworkMode'], 'container:app_cache_1');
  });
});
