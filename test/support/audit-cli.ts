// `dockgate audit` as shipped (node bin/dockgate.js audit ...; scripts/test.sh builds dist/ first), with
// how long it took and the most memory it held (VmHWM, sampled from /proc while it runs), and the
// validators its JSON and SARIF output are held to: docs/audit-report.schema.json, and the SARIF 2.1.0
// schema as published on SchemaStore (sarif-2.1.0-rtm.5, a JSON Schema draft-04 document), which the npm
// package @microsoft/jest-sarif ships.

import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv, type ValidateFunction } from 'ajv';
import * as ajvDraft04 from 'ajv-draft-04';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const BIN = join(REPO_ROOT, 'bin', 'dockgate.js');

export interface AuditRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Wall-clock time from spawning to exit. */
  elapsedMs: number;
  /** The process's peak resident memory (VmHWM) as last sampled before it exited. */
  peakRssKiB: number;
}

/** The process's peak resident set so far, in KiB; 0 once it is gone. */
function peakRss(pid: number): number {
  try {
    return Number(/^VmHWM:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  } catch {
    return 0;
  }
}

export function runAuditCli(args: readonly string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 90_000): Promise<AuditRun> {
  return new Promise((resolvePromise, reject) => {
    const started = Date.now();
    const child = spawn(process.execPath, [BIN, 'audit', ...args], { env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    // The high-water mark only grows, so the last sample before exit is the peak up to then.
    let peakRssKiB = 0;
    const sampler = setInterval(() => (peakRssKiB = Math.max(peakRssKiB, peakRss(child.pid!))), 50);
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    const timer = setTimeout(() => {
      clearInterval(sampler);
      child.kill('SIGKILL');
      reject(new Error(`dockgate audit ${args.join(' ')} timed out after ${timeoutMs} ms\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, timeoutMs);
    child.on('error', reject);
    child.on('exit', () => clearInterval(sampler));
    child.on('close', (code) => {
      clearTimeout(timer);
      resolvePromise({ code, stdout, stderr, elapsedMs: Date.now() - started, peakRssKiB });
    });
  });
}

/** The parts of the JSON report the tests read. */
export interface ReportFinding {
  id: string;
  severity: string;
  title: string;
  subject?: string;
  evidence: string[];
  remediation: string;
  cis?: string;
}

export interface ReportTarget {
  host: string;
  scope: string;
  reachable: boolean;
  findings: ReportFinding[];
  notChecked: Array<{ area: string; reason: string }>;
}

export interface Report {
  exitCode: number;
  targets: ReportTarget[];
  summary: Record<string, number>;
}

let reportValidator: ValidateFunction | undefined;
let sarifValidator: ValidateFunction | undefined;

export function validateReport(document: unknown): string[] {
  reportValidator ??= new Ajv({ allErrors: true, strict: true, formats: { 'date-time': true } }).compile(
    JSON.parse(readFileSync(join(REPO_ROOT, 'docs', 'audit-report.schema.json'), 'utf8')) as object,
  );
  return reportValidator(document) ? [] : (reportValidator.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? ''}`);
}

export function validateSarif(document: unknown): string[] {
  if (sarifValidator === undefined) {
    const require = createRequire(import.meta.url);
    const schemaPath = join(dirname(require.resolve('@microsoft/jest-sarif/package.json')), 'lib', 'schemas', 'sarif-2.1.0-rtm.5.json');
    const schema = JSON.parse(readFileSync(schemaPath, 'utf8')) as Record<string, unknown>;
    // The schema names itself by "id" (draft-04) and its formats are checked loosely; one of its patterns
    // (language) is not valid with the u flag, so patterns are compiled without it.
    const Ajv04 = ajvDraft04.default.default;
    sarifValidator = new Ajv04({ allErrors: true, strict: false, validateFormats: false, unicodeRegExp: false }).compile(schema);
  }
  const validate = sarifValidator;
  return validate(document) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? ''}`);
}

export function findingsOf(report: Report, id: string, target = 0): ReportFinding[] {
  return report.targets[target]!.findings.filter((f) => f.id === id);
}
