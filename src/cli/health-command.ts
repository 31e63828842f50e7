// `dockgate health`: asks a running gateway's admin listener (serve --admin-listen) whether it is ready,
// for a container HEALTHCHECK in an image that has no curl. Exits 0 when /ready says ready and 1 otherwise,
// also when the listener cannot be reached or its address is wrong (Docker reserves exit code 2), printing
// one line either way.
import http from 'node:http';
import type { Command } from 'commander';
import { parseAdminListenSpec, type AdminListenerSpec } from '../listen/listener-spec.js';

/** Where the README's examples put the admin listener. */
const DEFAULT_ADMIN = 'unix:///run/dockgate-admin.sock';
/** Docker's HEALTHCHECK has a timeout of its own (30 s by default); this one keeps a stuck probe from piling up. */
const TIMEOUT_MS = 5_000;
/** /ready's answer is a short JSON document. */
const MAX_ANSWER_BYTES = 64 * 1024;

interface ReadyAnswer {
  status: number;
  body: string;
}

function askReady(spec: AdminListenerSpec): Promise<ReadyAnswer> {
  const where = spec.kind === 'unix' ? { socketPath: spec.path } : { host: spec.host, port: spec.port };
  return new Promise((resolve, reject) => {
    const req = http.get({ ...where, path: '/ready', timeout: TIMEOUT_MS, headers: { Host: 'dockgate-admin' } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
        if (body.length > MAX_ANSWER_BYTES) req.destroy(new Error('the answer is larger than /ready ever sends'));
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${TIMEOUT_MS / 1000} s`)));
    req.on('error', reject);
  });
}

/** The one line printed for an answer, and whether it says ready. */
function readAnswer(answer: ReadyAnswer): { ready: boolean; line: string } {
  let document: { ready?: unknown; reasons?: unknown } | undefined;
  try {
    document = JSON.parse(answer.body) as typeof document;
  } catch {
    // Not /ready's answer: said below.
  }
  if (answer.status === 200 && document?.ready === true) return { ready: true, line: 'ready' };
  const reasons = Array.isArray(document?.reasons) ? document.reasons.filter((r): r is string => typeof r === 'string') : [];
  if (answer.status === 503 && reasons.length > 0) return { ready: false, line: `not ready: ${reasons.join('; ')}` };
  return { ready: false, line: `not ready: the admin listener answered ${answer.status}, not what /ready sends (is it a dockgate admin listener?)` };
}

export function registerHealth(program: Command): void {
  program
    .command('health')
    .description('exit 0 when the gateway behind --admin is ready (its /ready), 1 otherwise: a HEALTHCHECK without curl')
    .option('--admin <url>', 'the admin listener of dockgate serve --admin-listen: unix:///path.sock or tcp://127.0.0.1:PORT', DEFAULT_ADMIN)
    .action(async (opts: { admin: string }) => {
      let line: string;
      let ready = false;
      let spec: AdminListenerSpec | undefined;
      try {
        spec = parseAdminListenSpec(opts.admin, '--admin');
        ({ ready, line } = readAnswer(await askReady(spec)));
      } catch (err) {
        const error = err as NodeJS.ErrnoException;
        line = spec === undefined ? error.message : `cannot reach the admin listener at ${opts.admin}: ${error.code ?? error.message}`;
      }
      (ready ? process.stdout : process.stderr).write(`dockgate: ${line}\n`);
      process.exitCode = ready ? 0 : 1;
    });
}
