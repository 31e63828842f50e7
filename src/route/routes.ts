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
// The operation names are the type `Operation`; what each one does (whether it changes state, how its body
// is read, whether it decides a container's reach) is written once per operation in operations.ts.
//
// transport: `hijack` when the engine takes over the connection (Upgrade: tcp, h2c or websocket);
// `stream` when the response can stay open or arrive slowly (progress streams, logs, events, tar exports);
// `plain` otherwise.
import type { ObjectKind, Transport } from './route.js';

export type RouteMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'DELETE';

export interface RouteRow<Name extends string = string> {
  readonly method: RouteMethod;
  /**
   * moby's path template: literal segments, `{var}` for exactly one segment, `{var:.*}` or `{var:.+}`
   * for one or more segments (names that may contain `/`, like image and plugin references).
   */
  readonly path: string;
  readonly operation: Name;
  /** Kind of the object named by the template's first variable; absent when it names none. */
  readonly target?: ObjectKind;
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

// `as const` keeps each row's operation name as a literal, so `Operation` is the set of names written here.
const ROWS = [
  // checkpoint router (experimental daemons only; registered first so its DELETE is not masked)
  { method: 'GET', path: '/containers/{name:.*}/checkpoints', operation: 'container.checkpoint.list', target: 'container', transport: 'plain' },
  { method: 'POST', path: '/containers/{name:.*}/checkpoints', operation: 'container.checkpoint.create', target: 'container', transport: 'plain' },
  { method: 'DELETE', path: '/containers/{name}/checkpoints/{checkpoint}', operation: 'container.checkpoint.delete', target: 'container', transport: 'plain' },

  // container router
  { method: 'HEAD', path: '/containers/{name:.*}/archive', operation: 'container.archive.head', target: 'container', transport: 'plain' },
  { method: 'GET', path: '/containers/json', operation: 'container.list', transport: 'plain' },
  { method: 'GET', path: '/containers/{name:.*}/export', operation: 'container.export', target: 'container', transport: 'stream' },
  { method: 'GET', path: '/containers/{name:.*}/changes', operation: 'container.changes', target: 'container', transport: 'plain' },
  { method: 'GET', path: '/containers/{name:.*}/json', operation: 'container.inspect', target: 'container', transport: 'plain' },
  { method: 'GET', path: '/containers/{name:.*}/top', operation: 'container.top', target: 'container', transport: 'plain', hostCommandParameters: ['ps_args'] },
  { method: 'GET', path: '/containers/{name:.*}/logs', operation: 'container.logs', target: 'container', transport: 'stream' },
  { method: 'GET', path: '/containers/{name:.*}/stats', operation: 'container.stats', target: 'container', transport: 'stream' },
  // A websocket whose frames are the container's stdin: a GET that writes, and an upgrade to carry both ways.
  { method: 'GET', path: '/containers/{name:.*}/attach/ws', operation: 'container.attach.ws', target: 'container', transport: 'hijack' },
  { method: 'GET', path: '/exec/{id:.*}/json', operation: 'exec.inspect', target: 'exec', transport: 'plain' },
  { method: 'GET', path: '/containers/{name:.*}/archive', operation: 'container.archive.get', target: 'container', transport: 'stream' },
  { method: 'POST', path: '/containers/create', operation: 'container.create', transport: 'plain', creates: 'container', nameParameter: 'name' },
  { method: 'POST', path: '/containers/{name:.*}/kill', operation: 'container.kill', target: 'container', transport: 'plain' },
  { method: 'POST', path: '/containers/{name:.*}/pause', operation: 'container.pause', target: 'container', transport: 'plain' },
  { method: 'POST', path: '/containers/{name:.*}/unpause', operation: 'container.unpause', target: 'container', transport: 'plain' },
  { method: 'POST', path: '/containers/{name:.*}/restart', operation: 'container.restart', target: 'container', transport: 'plain' },
  { method: 'POST', path: '/containers/{name:.*}/start', operation: 'container.start', target: 'container', transport: 'plain' },
  { method: 'POST', path: '/containers/{name:.*}/stop', operation: 'container.stop', target: 'container', transport: 'plain' },
  // `docker run` waits for these headers before it starts the container: they must be flushed at once.
  { method: 'POST', path: '/containers/{name:.*}/wait', operation: 'container.wait', target: 'container', transport: 'stream' },
  { method: 'POST', path: '/containers/{name:.*}/resize', operation: 'container.resize', target: 'container', transport: 'plain' },
  { method: 'POST', path: '/containers/{name:.*}/attach', operation: 'container.attach', target: 'container', transport: 'hijack' },
  // Legacy (20.10 only): copies files out of a container for API < 1.24; newer versions answer 404.
  { method: 'POST', path: '/containers/{name:.*}/copy', operation: 'container.copy', target: 'container', transport: 'stream' },
  { method: 'POST', path: '/containers/{name:.*}/exec', operation: 'container.exec.create', target: 'container', transport: 'plain', creates: 'exec' },
  // Hijacks unless the body says Detach; the forwarder follows what the engine answers.
  { method: 'POST', path: '/exec/{name:.*}/start', operation: 'exec.start', target: 'exec', transport: 'hijack' },
  { method: 'POST', path: '/exec/{name:.*}/resize', operation: 'exec.resize', target: 'exec', transport: 'plain' },
  { method: 'POST', path: '/containers/{name:.*}/rename', operation: 'container.rename', target: 'container', transport: 'plain' },
  { method: 'POST', path: '/containers/{name:.*}/update', operation: 'container.update', target: 'container', transport: 'plain' },
  { method: 'POST', path: '/containers/prune', operation: 'container.prune', transport: 'plain' },
  // The container is named in the query (`container=`), so the route has no target.
  { method: 'POST', path: '/commit', operation: 'container.commit', transport: 'plain', creates: 'image' },
  { method: 'PUT', path: '/containers/{name:.*}/archive', operation: 'container.archive.put', target: 'container', transport: 'plain' },
  { method: 'DELETE', path: '/containers/{name:.*}', operation: 'container.delete', target: 'container', transport: 'plain' },

  // image router
  { method: 'GET', path: '/images/json', operation: 'image.list', transport: 'plain' },
  { method: 'GET', path: '/images/search', operation: 'image.search', transport: 'plain' },
  { method: 'GET', path: '/images/get', operation: 'image.get', transport: 'stream' },
  { method: 'GET', path: '/images/{name:.*}/get', operation: 'image.get', target: 'image', transport: 'stream' },
  { method: 'GET', path: '/images/{name:.*}/history', operation: 'image.history', target: 'image', transport: 'plain' },
  { method: 'GET', path: '/images/{name:.*}/json', operation: 'image.inspect', target: 'image', transport: 'plain' },
  { method: 'GET', path: '/images/{name:.*}/attestations', operation: 'image.attestations', target: 'image', transport: 'plain' },
  { method: 'POST', path: '/images/load', operation: 'image.load', transport: 'stream', creates: 'image' },
  // Pull (`fromImage`) or import (`fromSrc`, a URL the engine fetches, or `-` for the body).
  { method: 'POST', path: '/images/create', operation: 'image.create', transport: 'stream', creates: 'image' },
  { method: 'POST', path: '/images/{name:.*}/push', operation: 'image.push', target: 'image', transport: 'stream' },
  { method: 'POST', path: '/images/{name:.*}/tag', operation: 'image.tag', target: 'image', transport: 'plain' },
  { method: 'POST', path: '/images/prune', operation: 'image.prune', transport: 'plain' },
  { method: 'DELETE', path: '/images/{name:.*}', operation: 'image.delete', target: 'image', transport: 'plain' },

  // system router
  { method: 'GET', path: '/_ping', operation: 'system.ping', transport: 'plain' },
  { method: 'HEAD', path: '/_ping', operation: 'system.ping', transport: 'plain' },
  { method: 'GET', path: '/events', operation: 'system.events', transport: 'stream' },
  { method: 'GET', path: '/info', operation: 'system.info', transport: 'plain' },
  { method: 'GET', path: '/version', operation: 'system.version', transport: 'plain' },
  { method: 'GET', path: '/system/df', operation: 'system.df', transport: 'plain' },
  { method: 'POST', path: '/auth', operation: 'system.auth', transport: 'plain' },

  // volume router
  { method: 'GET', path: '/volumes', operation: 'volume.list', transport: 'plain' },
  { method: 'GET', path: '/volumes/{name:.*}', operation: 'volume.inspect', target: 'volume', transport: 'plain' },
  { method: 'POST', path: '/volumes/create', operation: 'volume.create', transport: 'plain', creates: 'volume' },
  { method: 'POST', path: '/volumes/prune', operation: 'volume.prune', transport: 'plain' },
  { method: 'PUT', path: '/volumes/{name:.*}', operation: 'volume.update', target: 'volume', transport: 'plain' },
  { method: 'DELETE', path: '/volumes/{name:.*}', operation: 'volume.delete', target: 'volume', transport: 'plain' },

  // build router
  { method: 'POST', path: '/build', operation: 'image.build', transport: 'stream', creates: 'image' },
  { method: 'POST', path: '/build/prune', operation: 'build.prune', transport: 'plain' },
  { method: 'POST', path: '/build/cancel', operation: 'build.cancel', transport: 'plain' },

  // session router: BuildKit's channel back to the client (files, secrets, ssh) during a build
  { method: 'POST', path: '/session', operation: 'session', transport: 'hijack' },

  // swarm router
  // The response is the new node's id.
  { method: 'POST', path: '/swarm/init', operation: 'swarm.init', transport: 'plain', creates: 'node' },
  { method: 'POST', path: '/swarm/join', operation: 'swarm.join', transport: 'plain' },
  { method: 'POST', path: '/swarm/leave', operation: 'swarm.leave', transport: 'plain' },
  { method: 'GET', path: '/swarm', operation: 'swarm.inspect', transport: 'plain' },
  { method: 'GET', path: '/swarm/unlockkey', operation: 'swarm.unlockkey', transport: 'plain' },
  { method: 'POST', path: '/swarm/update', operation: 'swarm.update', transport: 'plain' },
  { method: 'POST', path: '/swarm/unlock', operation: 'swarm.unlock', transport: 'plain' },
  { method: 'GET', path: '/services', operation: 'service.list', transport: 'plain' },
  { method: 'GET', path: '/services/{id}', operation: 'service.inspect', target: 'service', transport: 'plain' },
  { method: 'POST', path: '/services/create', operation: 'service.create', transport: 'plain', creates: 'service' },
  { method: 'POST', path: '/services/{id}/update', operation: 'service.update', target: 'service', transport: 'plain' },
  { method: 'DELETE', path: '/services/{id}', operation: 'service.delete', target: 'service', transport: 'plain' },
  { method: 'GET', path: '/services/{id}/logs', operation: 'service.logs', target: 'service', transport: 'stream' },
  { method: 'GET', path: '/nodes', operation: 'node.list', transport: 'plain' },
  { method: 'GET', path: '/nodes/{id}', operation: 'node.inspect', target: 'node', transport: 'plain' },
  { method: 'DELETE', path: '/nodes/{id}', operation: 'node.delete', target: 'node', transport: 'plain' },
  { method: 'POST', path: '/nodes/{id}/update', operation: 'node.update', target: 'node', transport: 'plain' },
  { method: 'GET', path: '/tasks', operation: 'task.list', transport: 'plain' },
  { method: 'GET', path: '/tasks/{id}', operation: 'task.inspect', target: 'task', transport: 'plain' },
  { method: 'GET', path: '/tasks/{id}/logs', operation: 'task.logs', target: 'task', transport: 'stream' },
  { method: 'GET', path: '/secrets', operation: 'secret.list', transport: 'plain' },
  { method: 'POST', path: '/secrets/create', operation: 'secret.create', transport: 'plain', creates: 'secret' },
  { method: 'DELETE', path: '/secrets/{id}', operation: 'secret.delete', target: 'secret', transport: 'plain' },
  { method: 'GET', path: '/secrets/{id}', operation: 'secret.inspect', target: 'secret', transport: 'plain' },
  { method: 'POST', path: '/secrets/{id}/update', operation: 'secret.update', target: 'secret', transport: 'plain' },
  { method: 'GET', path: '/configs', operation: 'config.list', transport: 'plain' },
  { method: 'POST', path: '/configs/create', operation: 'config.create', transport: 'plain', creates: 'config' },
  { method: 'DELETE', path: '/configs/{id}', operation: 'config.delete', target: 'config', transport: 'plain' },
  { method: 'GET', path: '/configs/{id}', operation: 'config.inspect', target: 'config', transport: 'plain' },
  { method: 'POST', path: '/configs/{id}/update', operation: 'config.update', target: 'config', transport: 'plain' },

  // plugin router
  { method: 'GET', path: '/plugins', operation: 'plugin.list', transport: 'plain' },
  { method: 'GET', path: '/plugins/{name:.*}/json', operation: 'plugin.inspect', target: 'plugin', transport: 'plain' },
  { method: 'GET', path: '/plugins/privileges', operation: 'plugin.privileges', transport: 'plain' },
  { method: 'DELETE', path: '/plugins/{name:.*}', operation: 'plugin.delete', target: 'plugin', transport: 'plain' },
  { method: 'POST', path: '/plugins/{name:.*}/enable', operation: 'plugin.enable', target: 'plugin', transport: 'plain' },
  { method: 'POST', path: '/plugins/{name:.*}/disable', operation: 'plugin.disable', target: 'plugin', transport: 'plain' },
  { method: 'POST', path: '/plugins/pull', operation: 'plugin.pull', transport: 'stream', creates: 'plugin' },
  { method: 'POST', path: '/plugins/{name:.*}/push', operation: 'plugin.push', target: 'plugin', transport: 'stream' },
  { method: 'POST', path: '/plugins/{name:.*}/upgrade', operation: 'plugin.upgrade', target: 'plugin', transport: 'stream' },
  { method: 'POST', path: '/plugins/{name:.*}/set', operation: 'plugin.set', target: 'plugin', transport: 'plain' },
  { method: 'POST', path: '/plugins/create', operation: 'plugin.create', transport: 'plain', creates: 'plugin' },

  // distribution router: asks the registry about an image reference, so the target is that image.
  { method: 'GET', path: '/distribution/{name:.*}/json', operation: 'distribution.inspect', target: 'image', transport: 'plain' },

  // network router
  { method: 'GET', path: '/networks', operation: 'network.list', transport: 'plain' },
  // moby also registers `GET /networks/` for the list; trailing slashes are refused before routing.
  { method: 'GET', path: '/networks/{id:.+}', operation: 'network.inspect', target: 'network', transport: 'plain' },
  { method: 'POST', path: '/networks/create', operation: 'network.create', transport: 'plain', creates: 'network' },
  { method: 'POST', path: '/networks/{id:.*}/connect', operation: 'network.connect', target: 'network', transport: 'plain' },
  { method: 'POST', path: '/networks/{id:.*}/disconnect', operation: 'network.disconnect', target: 'network', transport: 'plain' },
  { method: 'POST', path: '/networks/prune', operation: 'network.prune', transport: 'plain' },
  { method: 'DELETE', path: '/networks/{id:.*}', operation: 'network.delete', target: 'network', transport: 'plain' },

  // debug router: GET only (20.10 served any method, unversioned only; master serves GET, versioned too).
  // `GET /debug/pprof/` (the index) is unreachable: trailing slashes are refused before routing.
  { method: 'GET', path: '/debug/vars', operation: 'debug.vars', transport: 'plain' },
  { method: 'GET', path: '/debug/pprof/cmdline', operation: 'debug.pprof', transport: 'plain' },
  { method: 'GET', path: '/debug/pprof/profile', operation: 'debug.pprof', transport: 'stream' },
  { method: 'GET', path: '/debug/pprof/symbol', operation: 'debug.pprof', transport: 'plain' },
  { method: 'GET', path: '/debug/pprof/trace', operation: 'debug.pprof', transport: 'stream' },
  { method: 'GET', path: '/debug/pprof/{name}', operation: 'debug.pprof', transport: 'plain' },

  // grpc router: BuildKit's control API over h2c
  { method: 'POST', path: '/grpc', operation: 'grpc', transport: 'hijack' },
] as const satisfies readonly RouteRow[];

/** Every operation the route table names (`container.create`, `exec.start`, ...). */
export type Operation = (typeof ROWS)[number]['operation'];

export const ROUTE_ROWS: readonly RouteRow<Operation>[] = ROWS;
