// Connections the docker CLI cannot make, for listener tests: a TLS client with a chosen certificate and
// source address that asks for /_ping and reports how far it got; and the `phase: "connection"` records
// the gateway writes for connections it refuses before any request is read.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connect as connectTls } from 'node:tls';
import { waitForAuditTrail } from './audit-log-reader.js';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** `node bin/dockgate.js ARGS` (the CLI as shipped, dist/ built by scripts/test.sh); returns stdout. */
export function dockgateCli(args: readonly string[]): string {
  return execFileSync(process.execPath, [join(REPO_ROOT, 'bin', 'dockgate.js'), ...args], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 120_000 });
}

export interface TlsAttempt {
  /** The client's side of the handshake completed (with TLS 1.3 the server judges the certificate after that). */
  handshake: boolean;
  /** Bytes the gateway answered to `GET /_ping` (empty when the connection was closed first). */
  response: string;
  /** The client-side error, if any (`ECONNRESET`, an OpenSSL alert, ...). */
  error?: string;
}

export interface TlsAttemptOptions {
  /** A directory in DOCKER_CERT_PATH layout; ca.pem verifies the server, cert.pem/key.pem (if present) are presented. */
  certDir: string;
  /** Present no client certificate, even if certDir has one. */
  noClientCertificate?: boolean;
  localAddress?: string;
  maxVersion?: 'TLSv1.2' | 'TLSv1.3';
  timeoutMs?: number;
}

/** Connects to 127.0.0.1:port with TLS, asks for /_ping once the handshake is done, and reports what happened. */
export function attemptTls(port: number, options: TlsAttemptOptions): Promise<TlsAttempt> {
  return new Promise((resolveAttempt) => {
    const socket = connectTls({
      host: '127.0.0.1',
      port,
      servername: 'localhost',
      ca: readFileSync(join(options.certDir, 'ca.pem')),
      ...(options.noClientCertificate ? {} : { cert: readFileSync(join(options.certDir, 'cert.pem')), key: readFileSync(join(options.certDir, 'key.pem')) }),
      ...(options.localAddress !== undefined && { localAddress: options.localAddress }),
      ...(options.maxVersion !== undefined && { maxVersion: options.maxVersion }),
    });
    const result: TlsAttempt = { handshake: false, response: '' };
    const timer = setTimeout(() => socket.destroy(new Error('no answer and no close within the time allowed')), options.timeoutMs ?? 10_000);
    socket.on('secureConnect', () => {
      result.handshake = true;
      socket.write('GET /_ping HTTP/1.1\r\nHost: docker\r\nConnection: close\r\n\r\n');
    });
    socket.setEncoding('latin1').on('data', (chunk: string) => (result.response += chunk));
    socket.on('error', (err: Error & { code?: string }) => (result.error ??= err.code ?? err.message));
    socket.on('close', () => {
      clearTimeout(timer);
      resolveAttempt(result);
    });
  });
}

/** A `phase: "connection"` audit record as the tests read it. */
export interface ConnectionLine {
  time: string;
  id: string;
  phase: 'connection';
  listener: string;
  remote?: string;
  decision: string;
  rule: string;
  cause: string;
  reason: string;
  certificate?: { cn?: string; o: string[]; ou: string[]; issuer?: string; serial: string; fingerprint: string; notBefore?: string; notAfter?: string };
  count?: number;
}

/** Waits for connection records (from `fromByte` on) until `isComplete` holds; fails with what was there. */
export async function waitForConnectionRecords(auditLog: string, fromByte: number, isComplete: (records: ConnectionLine[]) => boolean, what: string): Promise<ConnectionLine[]> {
  const select = (records: { phase: string }[]): ConnectionLine[] => records.filter((r) => r.phase === 'connection') as unknown as ConnectionLine[];
  const { trail, complete } = await waitForAuditTrail(auditLog, fromByte, (records) => isComplete(select(records)));
  if (!complete) assert.fail(`${what}: the expected connection records did not appear; the step added:\n${trail.records.map((r) => JSON.stringify(r)).join('\n')}`);
  return select(trail.records);
}

/** The operational log lines (JSON) of a gateway's output. */
export function logLines(output: string): Record<string, unknown>[] {
  return output
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => {
      try {
        return JSON.parse(line) as Record<string, unknown>;
      } catch {
        return {};
      }
    });
}

/** The audit log's size once it has stopped growing: records of earlier steps are written in batches, a moment late. */
export async function settledAuditSize(file: string): Promise<number> {
  for (let size = -1; ;) {
    const now = statSync(file).size;
    if (now === size) return now;
    size = now;
    await new Promise((wait) => setTimeout(wait, 300));
  }
}
