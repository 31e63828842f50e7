// idle_events: 1,000 `GET /events` streams held open through dockgate at once, none of them receiving
// anything. Streams are opened 50 at a time, each counted once its 200 head has arrived; after a settling
// pause, dockgate's CPU use (utime + stime from /proc, as % of one core) is measured over a window, and its
// RSS at the end of it. Every stream must still be open at the end.

import { connect, type Socket } from 'node:net';
import { cpuSeconds, rssBytes } from '../support/process-stats.js';
import type { Target } from '../support/http.js';
import type { Results } from '../support/results.js';
import type { Settings } from '../support/settings.js';

const BATCH = 50;
const OPEN_TIMEOUT_MS = 30_000;

function openStream(target: Target, apiVersion: string, closed: { count: number }): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(target.socketPath);
    let head = '';
    let open = false;
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`GET /events through ${target.name}: no answer within ${OPEN_TIMEOUT_MS} ms`));
    }, OPEN_TIMEOUT_MS);
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      if (open) return;
      head += chunk;
      if (!head.includes('\r\n\r\n')) return;
      clearTimeout(timer);
      if (!head.startsWith('HTTP/1.1 200')) {
        socket.destroy();
        reject(new Error(`GET /events through ${target.name}: ${head.slice(0, 300)}`));
        return;
      }
      open = true;
      resolve(socket);
    });
    socket.on('close', () => {
      if (open) closed.count += 1;
    });
    socket.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    socket.write(`GET /v${apiVersion}/events HTTP/1.1\r\nHost: docker\r\n\r\n`);
  });
}

export async function runIdleEvents(target: Target, apiVersion: string, gatewayPid: number, settings: Settings['idleEvents'], results: Results, log: (line: string) => void): Promise<void> {
  const sockets: Socket[] = [];
  const closed = { count: 0 };
  const rssBefore = rssBytes(gatewayPid);
  try {
    const openedAt = performance.now();
    while (sockets.length < settings.streams) {
      const batch = Math.min(BATCH, settings.streams - sockets.length);
      sockets.push(...(await Promise.all(Array.from({ length: batch }, () => openStream(target, apiVersion, closed)))));
    }
    const openSeconds = (performance.now() - openedAt) / 1000;
    await new Promise((resolve) => setTimeout(resolve, settings.settleSeconds * 1000));
    const cpuStart = cpuSeconds(gatewayPid);
    const windowStart = performance.now();
    await new Promise((resolve) => setTimeout(resolve, settings.windowSeconds * 1000));
    const cpuPct = ((cpuSeconds(gatewayPid) - cpuStart) / ((performance.now() - windowStart) / 1000)) * 100;
    const rss = rssBytes(gatewayPid);
    if (closed.count > 0) throw new Error(`${closed.count} of ${settings.streams} idle /events streams were closed during the window`);
    results.add('idle_events', target.name, 'rss_mb', rss / 1e6, 'MB');
    results.add('idle_events', target.name, 'cpu_pct', cpuPct, '%');
    log(
      `  idle_events: ${settings.streams} streams opened in ${openSeconds.toFixed(1)} s; dockgate RSS ${(rssBefore / 1e6).toFixed(1)} MB before, ${(rss / 1e6).toFixed(1)} MB with them; CPU over ${settings.windowSeconds} s: ${cpuPct.toFixed(2)} % of a core`,
    );
  } finally {
    for (const socket of sockets) socket.destroy();
  }
}
