// A fake Docker engine on loopback TCP for `dockgate audit`, broken or hostile in the ways a test asks:
// answers trickled a byte at a time, documents of its own choosing (wrongly typed fields, escape
// sequences in every string), and container listings of any length, streamed as they are written (with
// back-pressure, so the fake holds no more of a listing of 200,000 containers than the audit reads).
// It counts the requests per path kind, so a test can tell what the audit asked.

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface HostileEngineOptions {
  /** Containers in the listing. */
  containers?: number;
  /** GET /version's document. */
  version?: unknown;
  /** GET /info's document. */
  info?: unknown;
  /** GET /networks/bridge's document. */
  bridge?: unknown;
  /** The listing's entry for container `index` (default: a realistic entry of about a kilobyte). */
  listingEntry?: (id: string, index: number) => unknown;
  /** Container `index`'s inspect document; a string is sent as it is (not JSON), a number as that status with no body. */
  inspect?: (id: string, index: number) => unknown;
  /** Paths (matched against the request target) answered one byte at a time, a byte every `intervalMs`. */
  trickle?: { path: RegExp; intervalMs: number };
}

export interface HostileEngine {
  /** tcp://127.0.0.1:PORT */
  url: string;
  /** Requests per kind: `/version`, `/info`, `/containers/json`, `inspect`, ... */
  requests: Map<string, number>;
  stop(): Promise<void>;
}

/** Container `index`'s id: 64 hex digits, the index in the first eight (short ids differ). */
export function containerId(index: number): string {
  return index.toString(16).padStart(8, '0').padEnd(64, 'c');
}

function indexOf(id: string): number {
  return /^[0-9a-f]{8}c{56}$/.test(id) ? parseInt(id.slice(0, 8), 16) : -1;
}

/** The engine's defaults (moby oci/defaults.go). */
const MASKED_PATHS = [
  '/proc/asound',
  '/proc/acpi',
  '/proc/kcore',
  '/proc/keys',
  '/proc/latency_stats',
  '/proc/timer_list',
  '/proc/timer_stats',
  '/proc/sched_debug',
  '/proc/scsi',
  '/sys/firmware',
  '/sys/devices/virtual/powercap',
];
const READONLY_PATHS = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];

/** A listing entry like the engine's for a plain `docker run -d busybox sleep 1d`. */
function realisticEntry(id: string, index: number): unknown {
  return {
    Id: id,
    Names: [`/c${index}`],
    Image: 'busybox:latest',
    ImageID: `sha256:${'ab'.repeat(32)}`,
    Command: 'sleep 1d',
    Created: 1_700_000_000 + index,
    Ports: [],
    Labels: { 'com.example.team': 'payments', 'com.example.tier': 'backend' },
    State: 'exited',
    Status: 'Exited (0) 2 days ago',
    HostConfig: { NetworkMode: 'default' },
    NetworkSettings: {
      Networks: {
        bridge: {
          IPAMConfig: null,
          Links: null,
          Aliases: null,
          NetworkID: 'f'.repeat(64),
          EndpointID: '',
          Gateway: '',
          IPAddress: '',
          IPPrefixLen: 0,
          IPv6Gateway: '',
          GlobalIPv6Address: '',
          GlobalIPv6PrefixLen: 0,
          MacAddress: '',
          DriverOpts: null,
        },
      },
    },
    Mounts: [],
  };
}

/** An inspect document like the engine's for a plain container with limits: no finding but no-new-privileges. */
export function plainInspect(id: string, index: number): Record<string, unknown> {
  return {
    Id: id,
    Name: `/c${index}`,
    Image: `sha256:${'ab'.repeat(32)}`,
    State: { Status: 'exited', Running: false },
    Config: { User: '', Image: 'busybox' },
    HostConfig: {
      NetworkMode: 'default',
      Privileged: false,
      CapAdd: null,
      SecurityOpt: null,
      Memory: 67_108_864,
      PidsLimit: 64,
      PortBindings: {},
      MaskedPaths: MASKED_PATHS,
      ReadonlyPaths: READONLY_PATHS,
    },
    Mounts: [],
    NetworkSettings: { Ports: {} },
    AppArmorProfile: 'docker-default',
  };
}

function kindOf(path: string): string {
  if (/^\/(v[\d.]+\/)?containers\/[^/]+\/json/.test(path) && !path.includes('/containers/json')) return 'inspect';
  return path.replace(/^\/v[\d.]+/, '').replace(/\?.*$/, '');
}

export async function startHostileEngine(options: HostileEngineOptions = {}): Promise<HostileEngine> {
  const requests = new Map<string, number>();
  const trickles = new Set<NodeJS.Timeout>();
  const count = options.containers ?? 0;
  const entry = options.listingEntry ?? realisticEntry;

  const send = (req: IncomingMessage, res: ServerResponse, status: number, body: string): void => {
    const bytes = Buffer.from(body);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': bytes.length, 'api-version': '1.47' });
    if (options.trickle === undefined || !options.trickle.path.test(req.url ?? '')) {
      res.end(bytes);
      return;
    }
    let at = 0;
    const timer = setInterval(() => {
      if (at >= bytes.length || res.destroyed) {
        clearInterval(timer);
        trickles.delete(timer);
        res.end();
        return;
      }
      res.write(bytes.subarray(at, at + 1));
      at += 1;
    }, options.trickle.intervalMs);
    trickles.add(timer);
  };

  const streamListing = (res: ServerResponse): void => {
    res.writeHead(200, { 'content-type': 'application/json' });
    let index = 0;
    const pump = (): void => {
      while (index < count) {
        const batch: string[] = [];
        for (let end = Math.min(count, index + 500); index < end; index++) batch.push(JSON.stringify(entry(containerId(index), index)));
        const text = `${index - batch.length === 0 ? '[' : ','}${batch.join(',')}`;
        if (!res.write(text)) {
          res.once('drain', pump);
          return;
        }
      }
      res.end(count === 0 ? '[]' : ']');
    };
    pump();
  };

  const server = createServer((req, res) => {
    const path = req.url ?? '/';
    const kind = kindOf(path);
    requests.set(kind, (requests.get(kind) ?? 0) + 1);
    res.on('error', () => undefined);
    if (kind === '/_ping') return send(req, res, 200, 'OK');
    if (kind === '/version') return send(req, res, 200, JSON.stringify(options.version ?? { Version: '27.3.1', ApiVersion: '1.47', Os: 'linux', Arch: 'amd64' }));
    if (kind === '/info')
      return send(
        req,
        res,
        200,
        JSON.stringify(options.info ?? { ServerVersion: '27.3.1', SecurityOptions: ['name=seccomp,profile=builtin'], Warnings: [], LiveRestoreEnabled: true, LoggingDriver: 'journald' }),
      );
    if (kind === '/networks/bridge') return send(req, res, 200, JSON.stringify(options.bridge ?? { Name: 'bridge', Options: { 'com.docker.network.bridge.enable_icc': 'false' } }));
    if (kind === '/containers/json') return streamListing(res);
    if (kind === 'inspect') {
      const id = decodeURIComponent(path.split('/containers/')[1]!.split('/')[0]!);
      const index = indexOf(id);
      if (!(index >= 0 && index < count)) return send(req, res, 404, JSON.stringify({ message: `No such container: ${id}` }));
      const doc = (options.inspect ?? plainInspect)(id, index);
      if (typeof doc === 'number') return send(req, res, doc, '');
      return send(req, res, 200, typeof doc === 'string' ? doc : JSON.stringify(doc));
    }
    return send(req, res, 404, JSON.stringify({ message: 'page not found' }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `tcp://127.0.0.1:${port}`,
    requests,
    stop: async () => {
      for (const timer of trickles) clearInterval(timer);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
