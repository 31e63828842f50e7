// tls_handshakes: new connections to dockgate's mutual-TLS listener, each a full handshake (TLS 1.3,
// ECDSA P-256 certificates from test/support/test-certs.ts, no session resumption) with alice's client
// certificate, then one `GET /_ping` on it (proof the gateway accepted the certificate), then closed.
// A fixed number of connections in flight; connections per second is the median of the rounds.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect } from 'node:tls';
import type { Endpoint } from '../../test/support/endpoint.js';
import { cpuSeconds } from '../support/process-stats.js';
import type { Results } from '../support/results.js';
import type { Settings } from '../support/settings.js';
import { median } from '../support/stats.js';

const CONNECTION_TIMEOUT_MS = 10_000;

interface Credentials {
  host: string;
  port: number;
  ca: Buffer;
  cert: Buffer;
  key: Buffer;
}

function oneConnection(credentials: Credentials): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: credentials.host, port: credentials.port, ca: credentials.ca, cert: credentials.cert, key: credentials.key });
    let answer = '';
    const timer = setTimeout(() => finish(new Error(`no /_ping answer within ${CONNECTION_TIMEOUT_MS} ms`)), CONNECTION_TIMEOUT_MS);
    const finish = (error?: Error): void => {
      clearTimeout(timer);
      socket.destroy();
      if (error === undefined) resolve();
      else reject(error);
    };
    socket.setNoDelay(true);
    socket.once('secureConnect', () => socket.write('GET /_ping HTTP/1.1\r\nHost: docker\r\nConnection: close\r\n\r\n'));
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      answer += chunk;
      if (!answer.includes('\r\n')) return;
      if (answer.startsWith('HTTP/1.1 200')) finish();
      else finish(new Error(`GET /_ping over TLS: ${answer.slice(0, 300)}`));
    });
    socket.on('error', (error: Error) => finish(error));
    socket.on('end', () => finish(new Error(`connection closed before an answer: ${JSON.stringify(answer.slice(0, 300))}`)));
  });
}

async function slice(credentials: Credentials, concurrency: number, seconds: number): Promise<number> {
  const started = performance.now();
  const deadline = started + seconds * 1000;
  let done = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) {
        await oneConnection(credentials);
        done += 1;
      }
    }),
  );
  return done / ((performance.now() - started) / 1000);
}

export async function runTlsHandshakes(endpoint: Endpoint, gatewayPid: number, settings: Settings['tls'], results: Results, log: (line: string) => void): Promise<void> {
  const url = new URL(endpoint.host);
  const dir = endpoint.tlsDir;
  if (dir === undefined) throw new Error(`${endpoint.name} has no client certificate`);
  const credentials: Credentials = {
    host: url.hostname,
    port: Number(url.port),
    ca: readFileSync(join(dir, 'ca.pem')),
    cert: readFileSync(join(dir, 'cert.pem')),
    key: readFileSync(join(dir, 'key.pem')),
  };
  await slice(credentials, settings.concurrency, Math.min(0.5, settings.sliceSeconds)); // warm-up
  const rates: number[] = [];
  const cpuStart = cpuSeconds(gatewayPid);
  const clientCpuStart = process.cpuUsage();
  const started = performance.now();
  for (let round = 0; round < settings.rounds; round++) rates.push(await slice(credentials, settings.concurrency, settings.sliceSeconds));
  const wall = (performance.now() - started) / 1000;
  const gatewayCpu = ((cpuSeconds(gatewayPid) - cpuStart) / wall) * 100;
  const clientUsage = process.cpuUsage(clientCpuStart);
  const clientCpu = ((clientUsage.user + clientUsage.system) / 1e6 / wall) * 100;
  results.add('tls_handshakes', 'dockgate', 'per_s', median(rates), 'conn/s');
  log(
    `  tls_handshakes: ${settings.concurrency} in flight, rounds ${rates.map((r) => Math.round(r)).join(', ')} conn/s; CPU: dockgate ${gatewayCpu.toFixed(0)} %, this client ${clientCpu.toFixed(0)} % of a core`,
  );
  results.notes.push(`tls_handshakes: dockgate used ${gatewayCpu.toFixed(0)} % of a core, the benchmark's TLS client ${clientCpu.toFixed(0)} %.`);
}
