// The durable audit trail: an append-only JSON Lines file whose `forwarding` records are in the file
// before the gateway forwards the request they describe, and on disk before its client hears the answer
// (or, under --audit-sync before-forward, before it is forwarded: AUDIT_SYNC_POINTS in audit-sink.ts).
//
// Group commit: at most one write+fdatasync is in flight. Records that arrive meanwhile wait in memory
// and go out together in the next single write+fdatasync, so the cost of a sync is shared by everything
// that arrived during the previous one and throughput grows with load instead of collapsing to
// one record per sync. All I/O is async (libuv's thread pool); the event loop never waits for the disk.
//
// What waits is bounded: a disk that stalls (a hung NFS server, a failing device whose fdatasync does not
// return) would otherwise let every request's record pile up in memory for as long as the stall lasts.
// Past the bound the log counts as failing until a write completes again: records are dropped (counted
// and reported, as in any outage) and durable ones refused, so state changes are refused.

import { open, type FileHandle } from 'node:fs/promises';
import { ConfigError } from '../errors/config-error.js';
import { openTrustedAppend, UntrustedFileError } from '../files/trusted-file.js';
import path from 'node:path';
import { GatewayError } from '../errors/catalogue.js';
import { formatAuditRecord, recordRequestLine, type AuditRecord } from './audit-record.js';
import type { AuditSink, AuditSyncPoint, DurableRecord } from './audit-sink.js';

export interface AuditLogStatus {
  /** False from a failed batch until the next batch succeeds. */
  healthy: boolean;
  /** The failure that made the log unhealthy, e.g. `ENOSPC: no space left on device, write`. */
  lastError?: string;
  /** Records written (and synced, for batches that carried durable records). */
  records: number;
  /** Successful write calls: one per batch. */
  batches: number;
  /** Successful fdatasync calls. */
  syncs: number;
  /** Batches that could not be written. */
  failures: number;
  /** Records lost to failed batches: durable ones were rejected, buffered ones are gone. */
  dropped: number;
}

export interface AuditLogOptions {
  /** Called when the log starts failing and when it recovers: one report per episode, not per record. */
  onStatusChange?: (status: AuditLogStatus) => void;
  /** Told what is risky about the file itself (another owner, group-writable). */
  warn?: (message: string) => void;
  /** Characters of records that may wait for the write in flight (default MAX_WAITING_CHARS). */
  maxWaitingChars?: number;
  /** When a durable record lets its request be forwarded (--audit-sync; default `before-answer`). */
  syncPoint?: AuditSyncPoint;
}

/**
 * Records waiting while a write and its fdatasync are in flight: some hundred thousand records, far more
 * than arrive during any sync of a working disk, far less than a stall lasting minutes would pile up.
 */
const MAX_WAITING_CHARS = 64 * 2 ** 20;

/** How long a buffered record may wait for others before it is written, and how many make a batch at once. */
const COALESCE_MS = 5;
const COALESCE_LINES = 256;

interface Waiter {
  /** `METHOD path`, for the refusal message if the record cannot be written. */
  request: string;
  /** What writeDurable resolves to. */
  durable: DurableRecord;
  /** Lets the request be forwarded (writeDurable resolves; again after the sync: a no-op). */
  forward: (record: DurableRecord) => void;
  /** Refuses it: nothing was forwarded. */
  refuse: (error: GatewayError) => void;
  /** Settles the record's `synced`. */
  synced: (error?: GatewayError) => void;
}

export class AuditLog implements AuditSink {
  readonly file: string;
  private readonly handle: FileHandle;
  private readonly onStatusChange: ((status: AuditLogStatus) => void) | undefined;
  private currentStatus: AuditLogStatus = { healthy: true, records: 0, batches: 0, syncs: 0, failures: 0, dropped: 0 };

  /** Lines accepted but not yet handed to a write, and who waits for them to be synced. */
  private lines: string[] = [];
  /** Their total length (characters: bytes for the ASCII that records mostly are). */
  private waitingChars = 0;
  private readonly maxWaitingChars: number;
  private readonly syncPoint: AuditSyncPoint;
  private waiters: Waiter[] = [];
  /** The running drain loop; undefined when idle. At most one write+fdatasync is in flight. */
  private draining: Promise<void> | undefined;
  /** Bytes were written since the last fdatasync (by buffered-only batches); close() syncs them. */
  private unsynced = false;
  /** A failed batch left a partial line that could not be cut off: the next batch starts a fresh line. */
  private lineOpen = false;
  private closing: Promise<void> | undefined;
  /** Set while buffered records wait for company (see write()). */
  private coalescing: NodeJS.Timeout | undefined;

  private constructor(file: string, handle: FileHandle, options: AuditLogOptions) {
    this.file = file;
    this.handle = handle;
    this.onStatusChange = options.onStatusChange;
    this.maxWaitingChars = options.maxWaitingChars ?? MAX_WAITING_CHARS;
    this.syncPoint = options.syncPoint ?? 'before-answer';
  }

  /**
   * Opens (or creates, mode 0600: records name users and containers) the file for appending, as a file
   * the gateway trusts (src/files/trusted-file.ts: not through a symlink, not a FIFO, not writable by
   * others). The directory must exist: creating it would hide a mistyped path. An existing file keeps its mode.
   */
  static async open(file: string, options: AuditLogOptions = {}): Promise<AuditLog> {
    let handle: FileHandle;
    try {
      const opened = await openTrustedAppend(file, 'audit log');
      handle = opened.handle;
      for (const warning of opened.warnings) options.warn?.(warning);
    } catch (error) {
      throw new ConfigError(`cannot open the audit log ${file}: ${error instanceof UntrustedFileError ? `${error.why}. ${error.fix}` : (error as Error).message}`, { cause: error });
    }
    try {
      // A new file's directory entry is only durable once the directory is synced; without this,
      // a crash right after the first fdatasync could lose the whole file.
      const directory = await open(path.dirname(file), 'r');
      try {
        await directory.sync();
      } finally {
        await directory.close();
      }
    } catch (error) {
      await handle.close();
      throw new ConfigError(`cannot sync the directory of the audit log ${file}: ${(error as Error).message}`, { cause: error });
    }
    const log = new AuditLog(file, handle, options);
    // A gateway killed mid-write leaves a torn last line; the first new record must start a fresh one.
    log.lineOpen = await endsMidLine(file);
    return log;
  }

  get healthy(): boolean {
    return this.currentStatus.healthy;
  }

  /** A copy: counters for metrics and tests, health for logs. */
  get status(): AuditLogStatus {
    return { ...this.currentStatus };
  }

  writeDurable(record: AuditRecord): Promise<DurableRecord> {
    const request = recordRequestLine(record);
    if (this.closing !== undefined) {
      return Promise.reject(this.unavailable(request, 'is closed (the gateway is shutting down)', 'Retry once the gateway has restarted'));
    }
    const line = formatAuditRecord(record);
    if (!this.accepts(line)) {
      return Promise.reject(
        this.unavailable(request, `is behind: ${this.waitingChars} characters of records wait for a write that has not finished`, 'Retry later; the disk of the audit log is not keeping up'),
      );
    }
    let synced!: Waiter['synced'];
    const durable: DurableRecord = {
      synced: new Promise<void>((resolve, reject) => (synced = (error) => (error === undefined ? resolve() : reject(error)))),
    };
    durable.synced.catch(() => undefined);
    return new Promise((resolve, reject) => {
      this.lines.push(line);
      this.waiters.push({ request, durable, forward: resolve, refuse: reject, synced });
      this.startDraining();
    });
  }

  write(record: AuditRecord): void {
    if (this.closing !== undefined) {
      this.currentStatus.dropped += 1;
      return;
    }
    const line = formatAuditRecord(record);
    if (!this.accepts(line)) {
      this.currentStatus.dropped += 1;
      return;
    }
    this.lines.push(line);
    // Nobody waits for a buffered record, so it waits a moment for others: under load one write then
    // carries dozens of records instead of two or three (a write per event-loop tick was a tenth of the
    // gateway's CPU on small reads). A durable record, or a full batch, starts the write at once.
    if (this.draining !== undefined || this.coalescing !== undefined) return;
    // While the log is failing, every write is a probe for its recovery: none is held back.
    if (this.mustWriteNow()) this.startDraining();
    else this.coalescing = setTimeout(() => this.startDraining(), COALESCE_MS);
  }

  close(): Promise<void> {
    this.startDraining();
    this.closing ??= (async () => {
      await this.draining;
      try {
        if (this.unsynced) await this.handle.datasync();
      } finally {
        await this.handle.close();
      }
    })();
    return this.closing;
  }

  private startDraining(): void {
    clearTimeout(this.coalescing);
    this.coalescing = undefined;
    this.draining ??= this.drain();
  }

  private async drain(): Promise<void> {
    // Start after the current tick: every record produced by the same burst of callbacks joins the first batch.
    await Promise.resolve();
    while (this.lines.length > 0) {
      const lines = this.lines;
      const waiters = this.waiters;
      this.lines = [];
      this.waitingChars = 0;
      this.waiters = [];
      try {
        await this.writeBatch(lines, waiters);
      } catch (error) {
        this.currentStatus.failures += 1;
        const why = `cannot be written (${(error as Error).message})`;
        const fix = "Free space on the audit log's filesystem or make the file writable; dockgate retries with every request";
        if (error instanceof SyncFailure) {
          // The requests were forwarded on the written records: they stay in the file, their sync failed.
          this.failed(error.cause as Error, 0);
          for (const waiter of waiters) waiter.synced(this.unavailable(waiter.request, why, fix));
          continue;
        }
        this.failed(error as Error, lines.length);
        for (const waiter of waiters) {
          const refusal = this.unavailable(waiter.request, why, fix);
          waiter.refuse(refusal);
          waiter.synced(refusal);
        }
        continue;
      }
      this.succeeded(lines.length);
      for (const waiter of waiters) {
        waiter.synced();
        waiter.forward(waiter.durable);
      }
      // Buffered records that arrived during that write wait for company too: written back to back, each
      // batch carried the two or three records of one write's duration, and the thread-pool hand-offs of
      // those writes cost more than the records. Durable records, a full batch, a failing log or a
      // closing one are written at once.
      if (this.lines.length > 0 && !this.mustWriteNow()) {
        this.draining = undefined;
        this.coalescing = setTimeout(() => this.startDraining(), COALESCE_MS);
        return;
      }
    }
    // Cleared in the same synchronous step that saw the queue empty, so a record accepted from now on
    // starts a new drain instead of waiting in a queue nobody drains.
    this.draining = undefined;
  }

  /** Counts a line in, or (past the bound) turns the log failing until a write completes. */
  private accepts(line: string): boolean {
    if (this.waitingChars + line.length > this.maxWaitingChars) {
      this.failed(new Error(`${this.waitingChars} characters of records wait for a write that has not finished`), 0);
      return false;
    }
    this.waitingChars += line.length;
    return true;
  }

  private mustWriteNow(): boolean {
    return this.waiters.length > 0 || this.lines.length >= COALESCE_LINES || !this.currentStatus.healthy || this.closing !== undefined;
  }

  /**
   * One write of the whole batch, then fdatasync if anyone waits for durability. Under `before-answer` the
   * waiters' requests are forwarded once the write is done, while the fdatasync runs; a failure from then
   * on is a SyncFailure, and the batch stays in the file.
   */
  private async writeBatch(lines: string[], waiters: readonly Waiter[]): Promise<void> {
    const buffer = Buffer.from((this.lineOpen ? '\n' : '') + lines.join(''), 'utf8');
    let written = 0;
    let forwarded = false;
    try {
      // A write may be short (a disk filling up mid-buffer): the rest is retried until it fails outright.
      while (written < buffer.length) {
        const { bytesWritten } = await this.handle.write(buffer, written, buffer.length - written);
        written += bytesWritten;
      }
      this.lineOpen = false;
      this.unsynced = true;
      if (waiters.length === 0) return;
      if (this.syncPoint === 'before-answer') {
        forwarded = true;
        for (const waiter of waiters) waiter.forward(waiter.durable);
      }
      await this.handle.datasync();
      this.unsynced = false;
      this.currentStatus.syncs += 1;
    } catch (error) {
      if (forwarded) throw new SyncFailure(error as Error);
      if (written > 0) await this.removeFailedBatch(written, buffer[written - 1] !== 0x0a);
      throw error;
    }
  }

  /**
   * Cuts a failed batch off the end of the file, so the file holds exactly the records whose batches
   * succeeded: no half line for readers to choke on, no `forwarding` record for a request that was
   * refused. If even that fails, the next batch starts on a new line so every later record parses.
   */
  private async removeFailedBatch(written: number, endsMidLine: boolean): Promise<void> {
    try {
      const { size } = await this.handle.stat();
      await this.handle.truncate(Math.max(0, size - written));
    } catch {
      this.lineOpen = endsMidLine;
    }
  }

  private succeeded(records: number): void {
    this.currentStatus.records += records;
    this.currentStatus.batches += 1;
    if (!this.currentStatus.healthy) {
      this.currentStatus.healthy = true;
      delete this.currentStatus.lastError;
      this.onStatusChange?.(this.status);
    }
  }

  private failed(error: Error, records: number): void {
    this.currentStatus.dropped += records;
    const wasHealthy = this.currentStatus.healthy;
    this.currentStatus.healthy = false;
    this.currentStatus.lastError = error.message;
    if (wasHealthy) this.onStatusChange?.(this.status);
  }

  private unavailable(request: string, why: string, fix: string): GatewayError {
    return new GatewayError('DG_AUDIT_UNAVAILABLE', { what: request, why: `the audit log ${this.file} ${why}`, fix });
  }
}

/** The fdatasync of a batch whose requests were already forwarded failed. */
class SyncFailure extends Error {
  constructor(cause: Error) {
    super(cause.message, { cause });
  }
}

async function endsMidLine(file: string): Promise<boolean> {
  // The append handle is write-only; the last byte is read through a handle of its own.
  const reader = await open(file, 'r');
  try {
    const { size } = await reader.stat();
    if (size === 0) return false;
    const last = Buffer.alloc(1);
    await reader.read(last, 0, 1, size - 1);
    return last[0] !== 0x0a;
  } finally {
    await reader.close();
  }
}
