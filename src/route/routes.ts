// Every route dockerd serves, API v1.24 to v1.56, written by hand: this table is the gateway's source of
// truth for what a request does, so it is reviewed like policy, not generated from the specs at run time.
//
// Rows mirror moby's routers (api/server/router/* on the 20.10 branch, daemon/server/router/* on master)
// in registration order, which matters: gorilla mux takes the first route that matches, e.g. the
// checkpoint DELETE is registered before the container DELETE that would otherwise swallow it.
// Paths keep moby's templates, so a row can be checked against the router source line by line.
// Deliberately absent: moby's `OPTIONS /{anyroute:.*}`, which only answers CORS preflights; a gateway
// for the Docker socket has no browser clients, so it is refused as an unknown route.
//
// mutates: true for anything that can change engine, host or registry state, and for anything that
// feeds a container's stdin or opens a channel builds use (attach, exec start, /session, /grpc).
// POSTs that only read are false: /auth (checks credentials with a registry, stores nothing),
// /containers/{id}/wait (blocks until a state is reached) and the legacy /containers/{id}/copy (reads files).
//
// transport: `hijack` when the engine takes over the connection (Upgrade: tcp, h2c or websocket);
// `stream` when the response can stay open or arrive slowly (progress streams, logs, events, tar exports);
// `plain` otherwise.
import type { ObjectKind, Transport } from './route.js';

export type RouteMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'DELETE';

export interface RouteRow {
  readonly method: RouteMethod;
  /**
   * moby's path template: literal segments, `{var}` for exactly one segment, `{var:.*}` or `{var:.+}`
   * for one or more segments (names that may contain `/`, like image and plugin references).
   */
  readonly path: string;
  readonly operation: string;
  /** Kind of the object named by the template's first variable; absent when it names none. */
  readonly target?: ObjectKind;
  readonly mutates: boolean;
  readonly transport: Transport;
  /** Kind of object the operation creates. */
  readonly creates?: ObjectKind;
  /**
   * The query parameter that names the object a create makes (`?name=` of container create), so the
   * audit record written before forwarding already says what is being created.
   */
  readonly nameParameter?: string;
  /**
   * Query parameters the engine hands to a program it runs on the host (`ps_args` of top: dockerd runs
   * `ps` as root with them). Each must be judged (src/judge/reach/); a test holds the two lists together.
   */
  readonly hostCommandParameters?: readonly string[];
}

export const ROUTE_ROWS: readonly RouteRow[] = [
  // checkpoint router (experimental daemons only; registered first so its DELETE is not masked)
  { method: 'GET', path: '/containers/{name:.*}/checkpoints', operation: 'container.checkpoint.list', target: 'container', mutates: false, transport: 'plain' },
  { method: 'POST', path: '/containers/{name:.*}/checkpoints', operation: 'container.checkpoint.create', target: 'container', mutates: true, transport: 'plain' },
  { method: 'DELETE', path: '/containers/{name}/checkpoints/{checkpoint}', operation: 'container.checkpoint.delete', target: 'container', mutates: true, transport: 'plain' },

  // container router
  { method: 'HEAD', path: '/containers/{name:.*}/archive', operation: 'container.archive.head', target: 'container', mutates: false, transport: 'plain' },
  { method: 'GET', path: '/containers/json', operation: 'container.list', mutates: false, transport: 'plain' },
  { method: 'GET', path: '/containers/{name:.*}/export', operation: 'container.export', target: 'container', mutates: false, transport: 'stream' },
  { method: 'GET', path: '/containers/{name:.*}/changes', operation: 'container.changes', target: 'container', mutates: false, transport: 'plain' },
  { method: 'GET', path: '/containers/{name:.*}/json', operation: 'container.inspect', target: 'container', mutates: false, transport: 'plain' },
  { method: 'GET', path: '/containers/{name:.*}/top', operation: 'container.top', target: 'container', mutates: false, transport: 'plain', hostCommandParameters: ['ps_args'] },
  { method: 'GET', path: '/containers/{name:.*}/logs', operation: 'container.logs', target: 'container', mutates: false, transport: 'stream' },
  { method: 'GET', path: '/containers/{name:.*}/stats', operation: 'container.stats', target: 'container', mutates: false, transport: 'stream' },
  // A websocket whose frames are the container's stdin: a GET that writes, and an upgrade to carry both ways.
  { method: 'GET', path: '/containers/{name:.*}/attach/ws', operation: 'container.attach.ws', target: 'container', mutates: true, transport: 'hijack' },
  { method: 'GET', path: '/exec/{id:.*}/json', operation: 'exec.inspect', target: 'exec', mutates: false, transport: 'plain' },
  { method: 'GET', path: '/containers/{name:.*}/archive', operation: 'container.archive.get', target: 'container', mutates: false, transport: 'stream' },
  { method: 'POST', path: '/containers/create', operation: 'container.create', mutates: true, transport: 'plain', creates: 'container', nameParameter: 'name' },
  { method: 'POST', path: '/containers/{name:.*}/kill', operation: 'container.kill', target: 'container', mutates: true, transport: 'plain' },
  { method: 'POST', path: '/containers/{name:.*}/pause', operation: 'container.pause', target: 'container', mutates: true, transport: 'plain' },
  { method: 'POST', path: '/containers/{name:.*}/unpause', operation: 'container.unpause', target: 'container', mutates: true, transport: 'plain' },
  { method: 'POST', path: '/containers/{name:.*}/restart', operation: 'container.restart', target: 'container', mutates: true, transport: 'plain' },
  { method: 'POST', path: '/containers/{name:.*}/start', operation: 'container.start', target: 'container', mutates: true, transport: 'plain' },
  { method: 'POST', path: '/containers/{name:.*}/stop', operation: 'container.stop', target: 'container', mutates: true, transport: 'plain' },
  // `docker run` waits for these headers before it starts the container: they must be flushed at once.
  { method: 'POST', path: '/containers/{name:.*}/wait', operation: 'container.wait', target: 'container', mutates: false, transport: 'stream' },
  { method: 'POST', path: '/containers/{name:.*}/resize', operation: 'container.resize', target: 'container', mutates: true, transport: 'plain' },
  { method: 'POST', path: '/containers/{name:.*}/attach', operation: 'container.attach', target: 'container', mutates: true, transport: 'hijack' },
  // Legacy (20.10 only): copies files out of a container for API < 1.24; newer versions answer 404.
  { method: 'POST', path: '/containers/{name:.*}/copy', operation: 'container.copy', target: 'container', mutates: false, transport: 'stream' },
  { method: 'POST', path: '/containers/{name:.*}/exec', operation: 'container.exec.create', target: 'container', mutates: true, transport: 'plain', creates: 'exec' },
  // Hijacks unless the body says Detach; the forwarder follows what the engine answers.
  { method: 'POST', path: '/exec/{name:.*}/start', operation: 'exec.start', target: 'exec', mutates: true, transport: 'hijack' },
  { method: 'POST', path: '/exec/{name:.*}/resize', operation: 'exec.resize', target: 'exec', mutates: true, transport: 'plain' },
  { method: 'POST', path: '/containers/{name:.*}/rename', operation: 'container.rename', target: 'container', mutates: true, transport: 'plain' },
  { method: 'POST', path: '/containers/{name:.*}/update', operation: 'container.update', target: 'container', mutates: true, transport: 'plain' },
  { method: 'POST', path: '/containers/prune', operation: 'container.prune', mutates: true, transport: 'plain' },
  // The container is named in the query (`container=`), so the route has no target.
  { method: 'POST', path: '/commit', operation: 'container.commit', mutates: true, transport: 'plain', creates: 'image' },
  { method: 'PUT', path: '/containers/{name:.*}/archive', operation: 'container.archive.put', target: 'container', mutates: true, transport: 'plain' },
  { method: 'DELETE', path: '/containers/{name:.*}', operation: 'container.delete', target: 'container', mutates: true, transport: 'plain' },

  // image router
  { method: 'GET', path: '/images/json', operation: 'image.list', mutates: false, transport: 'plain' },
  { method: 'GET', path: '/images/search', operation: 'image.search', mutates: false, transport: 'plain' },
  { method: 'GET', path: '/images/get', operation: 'image.get', mutates: false, transport: 'stream' },
  { method: 'GET', path: '/images/{name:.*}/get', operation: 'image.get', target: 'image', mutates: false, transport: 'stream' },
  { method: 'GET', path: '/images/{name:.*}/history', operation: 'image.history', target: 'image', mutates: false, transport: 'plain' },
  { method: 'GET', path: '/images/{name:.*}/json', operation: 'image.inspect', target: 'image', mutates: false, transport: 'plain' },
  { method: 'GET', path: '/images/{name:.*}/attestations', operation: 'image.attestations', target: 'image', mutates: false, transport: 'plain' },
  { method: 'POST', path: '/images/load', operation: 'image.load', mutates: true, transport: 'stream', creates: 'image' },
  // Pull (`fromImage`) or import (`fromSrc`, a URL the engine fetches, or `-` for the body).
  { method: 'POST', path: '/images/create', operation: 'image.create', mutates: true, transport: 'stream', creates: 'image' },
  { method: 'POST', path: '/images/{name:.*}/push', operation: 'image.push', target: 'image', mutates: true, transport: 'stream' },
  { method: 'POST', path: '/images/{name:.*}/tag', operation: 'image.tag', target: 'image', mutates: true, transport: 'plain' },
  { method: 'POST', path: '/images/prune', operation: 'image.prune', mutates: true, transport: 'plain' },
  { method: 'DELETE', path: '/images/{name:.*}', operation: 'image.delete', target: 'image', mutates: true, transport: 'plain' },

  // system router
  { method: 'GET', path: '/_ping', operation: 'system.ping', mutates: false, transport: 'plain' },
  { method: 'HEAD', path: '/_ping', operation: 'system.ping', mutates: false, transport: 'plain' },
  { method: 'GET', path: '/events', operation: 'system.events', mutates: false, transport: 'stream' },
  { method: 'GET', path: '/info', operation: 'system.info', mutates: false, transport: 'plain' },
  { method: 'GET', path: '/version', operation: 'system.version', mutates: false, transport: 'plain' },
  { method: 'GET', path: '/system/df', operation: 'system.df', mutates: false, transport: 'plain' },
  { method: 'POST', path: '/auth', operation: 'system.auth', mutates: false, transport: 'plain' },

  // volume router
  { method: 'GET', path: '/volumes', operation: 'volume.list', mutates: false, transport: 'plain' },
  { method: 'GET', path: '/volumes/{name:.*}', operation: 'volume.inspect', target: 'volume', mutates: false, transport: 'plain' },
  { method: 'POST', path: '/volumes/create', operation: 'volume.create', mutates: true, transport: 'plain', creates: 'volume' },
  { method: 'POST', path: '/volumes/prune', operation: 'volume.prune', mutates: true, transport: 'plain' },
  { method: 'PUT', path: '/volumes/{name:.*}', operation: 'volume.update', target: 'volume', mutates: true, transport: 'plain' },
  { method: 'DELETE', path: '/volumes/{name:.*}', operation: 'volume.delete', target: 'volume', mutates: true, transport: 'plain' },

  // build router
  { method: 'POST', path: '/build', operation: 'image.build', mutates: true, transport: 'stream', creates: 'image' },
  { method: 'POST', path: '/build/prune', operation: 'build.prune', mutates: true, transport: 'plain' },
  { method: 'POST', path: '/build/cancel', operation: 'build.cancel', mutates: true, transport: 'plain' },

  // session router: BuildKit's channel back to the client (files, secrets, ssh) during a build
  { method: 'POST', path: '/session', operation: 'session', mutates: true, transport: 'hijack' },

  // swarm router
  // The response is the new node's id.
  { method: 'POST', path: '/swarm/init', operation: 'swarm.init', mutates: true, transport: 'plain', creates: 'node' },
  { method: 'POST', path: '/swarm/join', operation: 'swarm.join', mutates: true, transport: 'plain' },
  { method: 'POST', path: '/swarm/leave', operation: 'swarm.leave', mutates: true, transport: 'plain' },
  { method: 'GET', path: '/swarm', operation: 'swarm.inspect', mutates: false, transport: 'plain' },
  { method: 'GET', path: '/swarm/unlockkey', operation: 'swarm.unlockkey', mutates: false, transport: 'plain' },
  { method: 'POST', path: '/swarm/update', operation: 'swarm.update', mutates: true, transport: 'plain' },
  { method: 'POST', path: '/swarm/unlock', operation: 'swarm.unlock', mutates: true, transport: 'plain' },
  { method: 'GET', path: '/services', operation: 'service.list', mutates: false, transport: 'plain' },
  { method: 'GET', path: '/services/{id}', operation: 'service.inspect', target: 'service', mutates: false, transport: 'plain' },
  { method: 'POST', path: '/services/create', operation: 'service.create', mutates: true, transport: 'plain', creates: 'service' },
  { method: 'POST', path: '/services/{id}/update', operation: 'service.update', target: 'service', mutates: true, transport: 'plain' },
  { method: 'DELETE', path: '/services/{id}', operation: 'service.delete', target: 'service', mutates: true, transport: 'plain' },
  { method: 'GET', path: '/services/{id}/logs', operation: 'service.logs', target: 'service', mutates: false, transport: 'stream' },
  { method: 'GET', path: '/nodes', operation: 'node.list', mutates: false, transport: 'plain' },
  { method: 'GET', path: '/nodes/{id}', operation: 'node.inspect', target: 'node', mutates: false, transport: 'plain' },
  { method: 'DELETE', path: '/nodes/{id}', operation: 'node.delete', target: 'node', mutates: true, transport: 'plain' },
  { method: 'POST', path: '/nodes/{id}/update', operation: 'node.update', target: 'node', mutates: true, transport: 'plain' },
  { method: 'GET', path: '/tasks', operation: 'task.list', mutates: false, transport: 'plain' },
  { method: 'GET', path: '/tasks/{id}', operation: 'task.inspect', target: 'task', mutates: false, transport: 'plain' },
  { method: 'GET', path: '/tasks/{id}/logs', operation: 'task.logs', target: 'task', mutates: false, transport: 'stream' },
  { method: 'GET', path: '/secrets', operation: 'secret.list', mutates: false, transport: 'plain' },
  { method: 'POST', path: '/secrets/create', operation: 'secret.create', mutates: true, transport: 'plain', creates: 'secret' },
  { method: 'DELETE', path: '/secrets/{id}', operation: 'secret.delete', target: 'secret', mutates: true, transport: 'plain' },
  { method: 'GET', path: '/secrets/{id}', operation: 'secret.inspect', target: 'secret', mutates: false, transport: 'plain' },
  { method: 'POST', path: '/secrets/{id}/update', operation: 'secret.update', target: 'secret', mutates: true, transport: 'plain' },
  { method: 'GET', path: '/configs', operation: 'config.list', mutates: false, transport: 'plain' },
  { method: 'POST', path: '/configs/create', operation: 'config.create', mutates: true, transport: 'plain', creates: 'config' },
  { method: 'DELETE', path: '/configs/{id}', operation: 'config.delete', target: 'config', mutates: true, transport: 'plain' },
  { method: 'GET', path: '/configs/{id}', operation: 'config.inspect', target: 'config', mutates: false, transport: 'plain' },
  { method: 'POST', path: '/configs/{id}/update', operation: 'config.update', target: 'config', mutates: true, transport: 'plain' },

  // plugin router
  { method: 'GET', path: '/plugins', operation: 'plugin.list', mutates: false, transport: 'plain' },
  { method: 'GET', path: '/plugins/{name:.*}/json', operation: 'plugin.inspect', target: 'plugin', mutates: false, transport: 'plain' },
  { method: 'GET', path: '/plugins/privileges', operation: 'plugin.privileges', mutates: false, transport: 'plain' },
  { method: 'DELETE', path: '/plugins/{name:.*}', operation: 'plugin.delete', target: 'plugin', mutates: true, transport: 'plain' },
  { method: 'POST', path: '/plugins/{name:.*}/enable', operation: 'plugin.enable', target: 'plugin', mutates: true, transport: 'plain' },
  { method: 'POST', path: '/plugins/{name:.*}/disable', operation: 'plugin.disable', target: 'plugin', mutates: true, transport: 'plain' },
  { method: 'POST', path: '/plugins/pull', operation: 'plugin.pull', mutates: true, transport: 'stream', creates: 'plugin' },
  { method: 'POST', path: '/plugins/{name:.*}/push', operation: 'plugin.push', target: 'plugin', mutates: true, transport: 'stream' },
  { method: 'POST', path: '/plugins/{name:.*}/upgrade', operation: 'plugin.upgrade', target: 'plugin', mutates: true, transport: 'stream' },
  { method: 'POST', path: '/plugins/{name:.*}/set', operation: 'plugin.set', target: 'plugin', mutates: true, transport: 'plain' },
  { method: 'POST', path: '/plugins/create', operation: 'plugin.create', mutates: true, transport: 'plain', creates: 'plugin' },

  // distribution router: asks the registry about an image reference, so the target is that image.
  { method: 'GET', path: '/distribution/{name:.*}/json', operation: 'distribution.inspect', target: 'image', mutates: false, transport: 'plain' },

  // network router
  { method: 'GET', path: '/networks', operation: 'network.list', mutates: false, transport: 'plain' },
  // moby also registers `GET /networks/` for the list; trailing slashes are refused before routing.
  { method: 'GET', path: '/networks/{id:.+}', operation: 'network.inspect', target: 'network', mutates: false, transport: 'plain' },
  { method: 'POST', path: '/networks/create', operation: 'network.create', mutates: true, transport: 'plain', creates: 'network' },
  { method: 'POST', path: '/networks/{id:.*}/connect', operation: 'network.connect', target: 'network', mutates: true, transport: 'plain' },
  { method: 'POST', path: '/networks/{id:.*}/disconnect', operation: 'network.disconnect', target: 'network', mutates: true, transport: 'plain' },
  { method: 'POST', path: '/networks/prune', operation: 'network.prune', mutates: true, transport: 'plain' },
  { method: 'DELETE', path: '/networks/{id:.*}', operation: 'network.delete', target: 'network', mutates: true, transport: 'plain' },

  // debug router: GET only (20.10 served any method, unversioned only; master serves GET, versioned too).
  // `GET /debug/pprof/` (the index) is unreachable: trailing slashes are refused before routing.
  { method: 'GET', path: '/debug/vars', operation: 'debug.vars', mutates: false, transport: 'plain' },
  { method: 'GET', path: '/debug/pprof/cmdline', operation: 'debug.pprof', mutates: false, transport: 'plain' },
  { method: 'GET', path: '/debug/pprof/profile', operation: 'debug.pprof', mutates: false, transport: 'stream' },
  { method: 'GET', path: '/debug/pprof/symbol', operation: 'debug.pprof', mutates: false, transport: 'plain' },
  { method: 'GET', path: '/debug/pprof/trace', operation: 'debug.pprof', mutates: false, transport: 'stream' },
  { method: 'GET', path: '/debug/pprof/{name}', operation: 'debug.pprof', mutates: false, transport: 'plain' },

  // grpc router: BuildKit's control API over h2c
  { method: 'POST', path: '/grpc', operation: 'grpc', mutates: true, transport: 'hijack' },
];
