// A redacted answer is rewritten as it streams, not held whole: 5,000 containers, each with a 16 KiB label
// the rule redacts, make a listing of about 85 MB; through the gateway every label value arrives as
// <redacted> and the gateway's resident memory grows by a fraction of the listing (holding it whole would
// take the listing at least once).
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { before, describe, test } from 'node:test';
import { Client, Pool } from 'undici';
import { BUSYBOX_IMAGE } from '../support/busybox-image.js';
import { startEngine, type Engine } from '../support/engine.js';
import { type Gateway, startGatewayInFront } from '../support/gateway.js';
import { sendJson } from '../support/json-request.js';
import { useTeardown } from '../support/teardown.js';

const CONTAINERS = 5000;
const LABEL_BYTES = 16 * 1024;
const LABEL = `value-${'x'.repeat(LABEL_BYTES)}`;
/** Creates in flight at once: enough to keep the engine busy, few enough for a 2-core machine. */
const CREATES_IN_FLIGHT = 8;
/**
 * Under the ~85 MB listing, which a gateway that buffered the answer would hold whole, with its parse on top.
 * A streaming one grows only by garbage not yet collected: about 22 MB seen, and up to 50 MB on a loaded
 * 2-core machine, where the collector runs late.
 */
const RSS_GROWTH_LIMIT = 70 * 1000 * 1000;

const POLICY = `version: 1
rules:
  - name: dashboard
    profile: read-only
    redact: [env, mounts, labels:big.*]
`;

function vm(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (match?.[1] === undefined) throw new Error(`no ${field} in /proc/${pid}/status`);
  return Number(match[1]) * 1024;
}

const mb = (bytes: number): string => `${(bytes / 1e6).toFixed(1)} MB`;

/** GET /containers/json (every container unless the query says otherwise), read as it streams: its size and how often the needle occurs (found across chunk boundaries too). */
async function streamList(socketPath: string, needle: string, query = 'all=1'): Promise<{ status: number; bytes: number; found: number; chunked: boolean }> {
  const client = new Client('http://localhost', { socketPath, bodyTimeout: 120_000 });
  try {
    const response = await client.request({ method: 'GET', path: `/v1.41/containers/json?${query}` });
    let bytes = 0;
    let found = 0;
    let carry = '';
    for await (const chunk of response.body) {
      bytes += (chunk as Buffer).length;
      const text = carry + (chunk as Buffer).toString('latin1');
      for (let at = text.indexOf(needle); at !== -1; at = text.indexOf(needle, at + needle.length)) found++;
      carry = text.slice(Math.max(0, text.length - needle.length + 1));
    }
    return { status: response.statusCode, bytes, found, chunked: response.headers['transfer-encoding'] === 'chunked' };
  } finally {
    await client.close();
  }
}

describe('a redacted listing of 5,000 containers stays streamed', { timeout: 10 * 60_000 }, () => {
  const teardown = useTeardown();
  let engine: Engine;
  let gateway: Gateway;

  before(
    async () => {
      engine = await startEngine();
      teardown.add(() => engine.stop());
      const client = new Pool('http://localhost', { socketPath: engine.socketPath, connections: CREATES_IN_FLIGHT });
      try {
        let next = 0;
        const creator = async (): Promise<void> => {
          for (let i = next++; i < CONTAINERS; i = next++) {
            const body = { Image: BUSYBOX_IMAGE, Cmd: ['true'], Env: [`TOKEN=${i}`], Labels: { 'big.secret': LABEL, keep: String(i) }, HostConfig: { NetworkMode: 'none' } };
            const answer = await sendJson(client, 'POST', '/v1.41/containers/create', body);
            if (answer.statusCode !== 201) throw new Error(`create ${i}: ${answer.statusCode} ${answer.text}`);
          }
        };
        await Promise.all(Array.from({ length: CREATES_IN_FLIGHT }, creator));
      } finally {
        await client.close();
      }
      gateway = await startGatewayInFront(engine, { policy: POLICY });
      teardown.add(() => gateway.stopRunning());
    },
    { timeout: 8 * 60_000 },
  );

  test('every label value arrives redacted, and the gateway holds a fraction of the listing', async (t) => {
    const direct = await streamList(engine.socketPath, '"big.secret":"value-');
    assert.equal(direct.status, 200);
    assert.equal(direct.found, CONTAINERS, 'the engine lists every label value');
    const socketPath = gateway.unix!.host.replace(/^unix:\/\//, '');
    // Warmed up on a short listing (the redactor's code loaded and run), then its peak reset (clear_refs 5)
    // and measured from there.
    await streamList(socketPath, '"big.secret"', 'limit=1');
    writeFileSync(`/proc/${gateway.pid}/clear_refs`, '5');
    const startRss = vm(gateway.pid, 'VmRSS');
    const viaGateway = await streamList(socketPath, '"big.secret":"<redacted>"');
    const peak = vm(gateway.pid, 'VmHWM');
    t.diagnostic(`listing ${mb(direct.bytes)} direct, ${mb(viaGateway.bytes)} redacted; gateway RSS ${mb(startRss)} before, peak ${mb(peak)}`);
    assert.equal(viaGateway.status, 200);
    assert.ok(viaGateway.chunked, 'the rewritten answer goes out chunked');
    assert.equal(viaGateway.found, CONTAINERS, 'every label value is redacted');
    // The same listing but for the label values: each replaced, nothing else changed.
    assert.equal(direct.bytes - viaGateway.bytes, CONTAINERS * (LABEL.length - '<redacted>'.length));
    assert.ok(peak - startRss < RSS_GROWTH_LIMIT, `the gateway grew by ${mb(peak - startRss)} while the ${mb(direct.bytes)} listing went through`);
  });
});
