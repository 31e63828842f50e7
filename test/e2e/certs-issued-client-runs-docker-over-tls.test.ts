// Issue 4, acceptance 1: with nothing but `dockgate certs init` and `dockgate certs issue` (the CLI as
// shipped), the real docker CLI reaches the engine through the gateway's mutual-TLS listener with
// DOCKER_HOST, DOCKER_TLS_VERIFY and DOCKER_CERT_PATH alone: ps, run, exec -i with piped stdin and
// logs -f work, and every audit record names the certificate (CN alice, group ci as O and OU).
// Two Go clients read the PKCS#8 keys: the docker CLI first on PATH and Debian's /usr/bin/docker.

import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { before, describe, test } from 'node:test';
import { readAuditTrail, waitForAuditTrail, type AuditLine } from '../support/audit-log-reader.js';
import { BUSYBOX_IMAGE } from '../support/busybox-image.js';
import { dockerOk, followDocker } from '../support/docker-cli.js';
import type { Endpoint } from '../support/endpoint.js';
import { startEngine } from '../support/engine.js';
import { freeLoopbackPort } from '../support/free-port.js';
import { startGateway } from '../support/gateway.js';
import { pingStatus } from '../support/raw-http.js';
import { useTeardown } from '../support/teardown.js';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** `node bin/dockgate.js ARGS`: the CLI as shipped (dist/, built by scripts/test.sh). */
function dockgate(args: string[]): string {
  return execFileSync(process.execPath, [join(REPO_ROOT, 'bin', 'dockgate.js'), ...args], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 120_000 });
}

interface Issued {
  serial: string;
  cn: string;
  groups: string[];
  fingerprint: string;
}

describe('a client certificate from dockgate certs runs the docker CLI over mutual TLS', { timeout: 5 * 60_000 }, () => {
  const teardown = useTeardown();
  let endpoint: Endpoint;
  let auditLog: string;
  let alice: Issued;

  before(
    async () => {
      const engine = await startEngine();
      teardown.add(() => engine.stop());
      const dir = mkdtempSync(join(engine.dir, 'certs-'));
      const caDir = join(dir, 'ca');
      const certPath = join(dir, 'alice');
      dockgate(['certs', 'init', '--dir', caDir, '--host', 'localhost', '--ip', '127.0.0.1']);
      const issued = dockgate(['certs', 'issue', 'alice', '--dir', caDir, '--group', 'ci', '--out', certPath]);
      assert.match(issued, /DOCKER_TLS_VERIFY=1 DOCKER_CERT_PATH=/);
      alice = (JSON.parse(readFileSync(join(caDir, 'issued.json'), 'utf8')) as { certificates: Issued[] }).certificates[0]!;

      const host = `tcp://127.0.0.1:${await freeLoopbackPort()}`;
      auditLog = join(dir, 'audit.jsonl');
      const gateway = await startGateway({
        upstream: engine.socketPath,
        // The unix listener is what startGateway waits for; the TLS one is awaited below with alice's certificate.
        listen: [`unix://${join(dir, 'gw.sock')}`, host],
        auditLog,
        args: ['--tls-ca', join(caDir, 'ca.pem'), '--tls-cert', join(caDir, 'server-cert.pem'), '--tls-key', join(caDir, 'server-key.pem')],
      });
      teardown.add(() => gateway.stopRunning());
      endpoint = { name: 'gateway-tls (dockgate certs)', host, tlsDir: certPath };
      const deadline = Date.now() + 30_000;
      while ((await pingStatus(endpoint)) !== 200) {
        gateway.assertRunning();
        if (Date.now() > deadline) assert.fail(`${host} did not answer /_ping with alice's certificate\n${gateway.output()}`);
        await new Promise((wait) => setTimeout(wait, 100));
      }
    },
    { timeout: 120_000 },
  );

  test('docker ps', async () => {
    assert.match(await dockerOk(['ps'], endpoint), /^CONTAINER ID\s+IMAGE/);
  });

  test('docker run: output and exit code come back', async () => {
    assert.equal(await dockerOk(['run', '--rm', BUSYBOX_IMAGE, 'echo', 'hello over mutual TLS'], endpoint), 'hello over mutual TLS\n');
  });

  test('docker exec -i: piped stdin arrives intact and the output comes back after stdin ends', async () => {
    await dockerOk(['run', '-d', '--name', 'certs-exec-target', BUSYBOX_IMAGE, 'sleep', '3600'], endpoint);
    const input = randomBytes(256 * 1024);
    const sum = await dockerOk(['exec', '-i', 'certs-exec-target', 'sha256sum'], { ...endpoint, input });
    assert.equal(sum, `${createHash('sha256').update(input).digest('hex')}  -\n`);
    assert.equal(await dockerOk(['exec', '-i', 'certs-exec-target', 'cat'], { ...endpoint, input: 'line one\nline two\n' }), 'line one\nline two\n');
  });

  test('docker logs -f: lines keep coming while the CLI follows', async () => {
    await dockerOk(['run', '-d', '--name', 'certs-ticker', BUSYBOX_IMAGE, 'sh', '-c', 'i=0; while true; do i=$((i+1)); echo "tick $i"; sleep 1; done'], endpoint);
    const logs = followDocker(['logs', '--follow', 'certs-ticker'], endpoint);
    try {
      const seen = await logs.waitForOutput((stdout) => stdout.includes('tick 3\n'), 20_000);
      assert.ok(logs.isRunning(), 'docker logs -f exited instead of following');
      assert.deepEqual(seen.split('\n').slice(0, 3), ['tick 1', 'tick 2', 'tick 3']);
    } finally {
      await logs.stop();
      await dockerOk(['rm', '-f', 'certs-ticker'], endpoint);
    }
  });

  test("Debian's docker 20.10 CLI reads the same certificate directory", async () => {
    const result = await new Promise<{ code: number | null; stdout: string; stderr: string }>((done, fail) => {
      const child = spawn('/usr/bin/docker', ['version', '--format', '{{.Server.APIVersion}}'], {
        env: {
          PATH: process.env['PATH'] ?? '/usr/bin:/bin',
          HOME: endpoint.tlsDir!,
          DOCKER_CONFIG: join(endpoint.tlsDir!, 'no-config'),
          DOCKER_HOST: endpoint.host,
          DOCKER_TLS_VERIFY: '1',
          DOCKER_CERT_PATH: endpoint.tlsDir!,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
      const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
      child.on('error', fail);
      child.on('close', (code) => {
        clearTimeout(timer);
        done({ code, stdout, stderr });
      });
    });
    assert.equal(result.code, 0, `/usr/bin/docker version\nstdout: ${result.stdout}\nstderr: ${result.stderr}`);
    assert.match(result.stdout, /^1\.\d+\n$/);
  });

  test('every audit record names the certificate: CN alice, group ci as O and OU, its serial and fingerprint', async () => {
    const awaited = await waitForAuditTrail(auditLog, 0, (records) => records.some((r) => r.operation === 'exec.start' && r.phase === 'done'), 10_000);
    assert.ok(awaited.complete, 'the exec records reached the audit trail');
    for (let size = -1; size !== statSync(auditLog).size;) {
      size = statSync(auditLog).size;
      await new Promise((wait) => setTimeout(wait, 250));
    }
    const trail = readAuditTrail(auditLog);
    assert.deepEqual(trail.badLines, []);
    const tls = trail.records.filter((r: AuditLine) => r.identity.kind === 'tls');
    for (const operation of ['container.list', 'container.create', 'exec.start', 'container.logs']) {
      assert.ok(
        tls.some((r) => r.operation === operation && r.decision === 'allow'),
        `an allowed ${operation} record from the TLS client`,
      );
    }
    for (const record of tls) {
      const { cn, o, ou, serial, fingerprint } = record.identity;
      assert.deepEqual(
        { cn, o, ou, serial, fingerprint },
        { cn: 'alice', o: ['ci'], ou: ['ci'], serial: alice.serial, fingerprint: alice.fingerprint },
        `${record.phase} ${record.method} ${record.path}`,
      );
    }
    assert.deepEqual(alice.groups, ['ci']);
  });
});
