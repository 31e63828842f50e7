// The secure context shared by every mutual-TLS listener, and the CRL in it kept current without a
// restart: `--tls-crl` is reloaded when its file changes (its directory is watched, so a file written
// elsewhere and renamed into place is seen too) and on SIGHUP. A CRL that loads replaces the context of
// every TLS server for the handshakes that follow (`server.setSecureContext`); connections already
// open whose certificate it revokes are closed by the listeners (`onRevocation`). A file that does not
// load keeps the CRL in force, and the log says why; so does a CRL older than the one in force
// (crl-succession.ts), with a warning that names both.
import { existsSync, watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { Server as TlsServer } from 'node:tls';
import type { Logger } from '../log/logger.js';
import { crlRegression, describeCrl } from './crl-succession.js';
import { parseRevocationList, casWithoutCrl, type CrlSummary, type RevocationList } from './revocation-list.js';
import { secureContextOptions, type TlsMaterial } from './tls-material.js';
import { readTlsFile } from './tls-file.js';

export type RevocationListener = (list: RevocationList) => void;

/** A CRL as log lines show it (its number as text: a CRL number may exceed what JSON numbers hold). */
function crlFields(crl: CrlSummary): Record<string, string | number | undefined> {
  return { issuer: crl.issuer, number: crl.number?.toString(), thisUpdate: crl.thisUpdate.toISOString(), nextUpdate: crl.nextUpdate?.toISOString(), revokedCount: crl.revokedCount };
}

export interface TlsContextOptions {
  /** Quiet time after the last change event before reloading, in ms (default 100). */
  debounceMs?: number;
}

export class TlsContext {
  private material: TlsMaterial;
  private readonly crlFile: string | undefined;
  private readonly logger: Logger;
  private readonly servers = new Set<TlsServer>();
  private readonly revocationListeners = new Set<RevocationListener>();
  private watcher: FSWatcher | undefined;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> = Promise.resolve();
  private lastText: string | undefined;
  private closed = false;
  private readonly onHup = (): void => void this.reload(true);

  constructor(
    material: TlsMaterial,
    crlFile: string | undefined,
    logger: Logger,
    private readonly options: TlsContextOptions = {},
  ) {
    this.material = material;
    this.crlFile = crlFile;
    this.logger = logger;
  }

  /** Options for `https.createServer`: the current CA, certificate, key and CRL. */
  serverOptions(): ReturnType<typeof secureContextOptions> {
    return secureContextOptions(this.material);
  }

  /** The CRL in force, if `--tls-crl` was given. */
  get revocation(): RevocationList | undefined {
    return this.material.revocation;
  }

  /** A server whose secure context follows every CRL reload; removed again when it closes. */
  addServer(server: TlsServer): void {
    this.servers.add(server);
    server.once('close', () => this.servers.delete(server));
  }

  /** Called with every CRL that has been put in force after start-up. */
  onRevocation(listener: RevocationListener): () => void {
    this.revocationListeners.add(listener);
    return () => this.revocationListeners.delete(listener);
  }

  /** Starts watching the CRL file and listening for SIGHUP (nothing to watch without --tls-crl). */
  watch(): void {
    const file = this.crlFile;
    if (file === undefined || this.watcher !== undefined) return;
    try {
      this.lastText ??= readTlsFile('--tls-crl', file, () => undefined).toString('latin1');
    } catch {
      // It loaded at start; a change event will look again.
    }
    try {
      this.watcher = watch(dirname(file), { persistent: false }, (_event, name) => {
        if (name !== null && name !== basename(file)) return;
        clearTimeout(this.timer);
        this.timer = setTimeout(() => void this.reload(false), this.options.debounceMs ?? 100);
      });
      this.watcher.on('error', (err) => this.logger.error({ crl: file, err: err.message }, 'cannot watch the CRL file any more; SIGHUP still reloads it'));
    } catch (err) {
      this.logger.error({ crl: file, err: (err as Error).message }, 'cannot watch the CRL file; reload it with SIGHUP');
    }
    process.on('SIGHUP', this.onHup);
  }

  /**
   * Reads the CRL again and puts it in force if it loads (`force`: even when its text did not change,
   * as SIGHUP asks). Resolves once it is in force or its problem is logged.
   */
  reload(force = true): Promise<void> {
    this.running = this.running.then(() => (this.closed ? undefined : this.load(force)));
    return this.running;
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    this.watcher?.close();
    process.off('SIGHUP', this.onHup);
  }

  private async load(force: boolean): Promise<void> {
    const file = this.crlFile!;
    let text: string;
    try {
      text = readTlsFile('--tls-crl', file, (message) => this.logger.warn({ crl: file }, message)).toString('latin1');
    } catch (err) {
      // A rename in progress leaves the path missing for a moment; the next event reloads it.
      if (!force && !existsSync(file)) return;
      this.keep(file, (err as Error).message.replace(`--tls-crl ${file}: `, ''));
      return;
    }
    if (!force && text === this.lastText) return;
    // Remembered even when it does not load, so that putting the previous file back counts as a change.
    this.lastText = text;
    let list: RevocationList;
    try {
      list = parseRevocationList(file, text, this.material.ca);
      const uncovered = casWithoutCrl(list, this.material.ca);
      if (uncovered.length > 0) throw new Error(`--tls-crl ${file}: has no CRL for ${uncovered.join('; ')}, whose clients would all be refused`);
    } catch (err) {
      // A file being written in place is read half-written now and then: the next change event reloads it.
      this.keep(file, (err as Error).message);
      return;
    }
    const regression = this.material.revocation && crlRegression(this.material.revocation, list);
    if (regression) {
      this.logger.warn(
        { crl: file, issuer: regression.issuer, inForce: crlFields(regression.inForce), refused: crlFields(regression.refused) },
        `the CRL is older than the one in force (${describeCrl(regression.refused)}, while ${describeCrl(regression.inForce)} is in force): refused, the newer one stays in force. ` +
          'Put the newest CRL back, or sign a new one with every revocation (dockgate certs crl --dir DIR)',
      );
      return;
    }
    const next: TlsMaterial = { ...this.material, revocation: list };
    const options = secureContextOptions(next);
    try {
      for (const server of this.servers) server.setSecureContext(options);
    } catch (err) {
      this.keep(file, `OpenSSL cannot use it (${(err as Error).message})`);
      return;
    }
    this.material = next;
    this.logger.info({ crl: file, crls: list.crls.map(crlFields) }, 'CRL reloaded; new handshakes are checked against it');
    const now = Date.now();
    for (const crl of list.crls) {
      if (crl.nextUpdate !== undefined && crl.nextUpdate.getTime() < now) {
        this.logger.error(
          { crl: file, issuer: crl.issuer, nextUpdate: crl.nextUpdate.toISOString() },
          'the CRL is past its nextUpdate: every client of this CA is refused until a fresh CRL is written (dockgate certs crl --dir DIR)',
        );
      }
    }
    for (const listener of this.revocationListeners) listener(list);
  }

  private keep(file: string, problem: string): void {
    this.logger.error({ crl: file, problem }, 'the CRL does not load; the previous one stays in force');
  }
}
