// The container create body a docker CLI sends, built flag by flag, with the place in the source of each
// field a flag set. The body starts as the one the CLI sends for `docker create IMAGE` with no flag (what
// docker 28 sends, seen on the wire: every HostConfig field spelt out with its zero value), so that the
// judge reads the same document the gateway would.

import { formatJsonPath } from '../../inspect/json-path.js';
import type { SourceLocation } from '../checked-request.js';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

function baseBody(image: string): JsonObject {
  return {
    Hostname: '',
    Domainname: '',
    User: '',
    AttachStdin: false,
    AttachStdout: true,
    AttachStderr: true,
    Tty: false,
    OpenStdin: false,
    StdinOnce: false,
    Env: null,
    Cmd: null,
    Image: image,
    Volumes: {},
    WorkingDir: '',
    Entrypoint: null,
    OnBuild: null,
    Labels: {},
    HostConfig: {
      Binds: null,
      ContainerIDFile: '',
      LogConfig: { Type: '', Config: {} },
      NetworkMode: 'default',
      PortBindings: {},
      RestartPolicy: { Name: 'no', MaximumRetryCount: 0 },
      AutoRemove: false,
      VolumeDriver: '',
      VolumesFrom: null,
      ConsoleSize: [0, 0],
      CapAdd: null,
      CapDrop: null,
      CgroupnsMode: '',
      Dns: [],
      DnsOptions: [],
      DnsSearch: [],
      ExtraHosts: null,
      GroupAdd: null,
      IpcMode: '',
      Cgroup: '',
      Links: null,
      OomScoreAdj: 0,
      PidMode: '',
      Privileged: false,
      PublishAllPorts: false,
      ReadonlyRootfs: false,
      SecurityOpt: null,
      UTSMode: '',
      UsernsMode: '',
      ShmSize: 0,
      Isolation: '',
      CpuShares: 0,
      Memory: 0,
      NanoCpus: 0,
      CgroupParent: '',
      BlkioWeight: 0,
      BlkioWeightDevice: [],
      BlkioDeviceReadBps: [],
      BlkioDeviceWriteBps: [],
      BlkioDeviceReadIOps: [],
      BlkioDeviceWriteIOps: [],
      CpuPeriod: 0,
      CpuQuota: 0,
      CpuRealtimePeriod: 0,
      CpuRealtimeRuntime: 0,
      CpusetCpus: '',
      CpusetMems: '',
      Devices: [],
      DeviceCgroupRules: null,
      DeviceRequests: null,
      MemoryReservation: 0,
      MemorySwap: 0,
      MemorySwappiness: -1,
      OomKillDisable: false,
      PidsLimit: 0,
      Ulimits: [],
      CpuCount: 0,
      CpuPercent: 0,
      IOMaximumIOps: 0,
      IOMaximumBandwidth: 0,
      MaskedPaths: null,
      ReadonlyPaths: null,
    },
    NetworkingConfig: { EndpointsConfig: { default: endpointSettings() } },
  };
}

/** The endpoint the CLI sends for the network a container joins (`default`, or the one --network names). */
export function endpointSettings(): JsonObject {
  return {
    IPAMConfig: null,
    Links: null,
    Aliases: null,
    MacAddress: '',
    DriverOpts: null,
    GwPriority: 0,
    NetworkID: '',
    EndpointID: '',
    Gateway: '',
    IPAddress: '',
    IPPrefixLen: 0,
    IPv6Gateway: '',
    GlobalIPv6Address: '',
    GlobalIPv6PrefixLen: 0,
    DNSNames: null,
  };
}

/** A create body being built, and where each field it was given came from. */
export class CreateBody {
  readonly body: JsonObject;
  /** Field (`HostConfig.Binds[0]`, `HostConfig.Sysctls`) → where the flag that set it is. */
  readonly places = new Map<string, SourceLocation>();

  constructor(image: string, imageAt: SourceLocation) {
    this.body = baseBody(image);
    this.places.set('Image', imageAt);
  }

  private parentOf(field: string): { parent: JsonObject; key: string } {
    const path = field.split('.');
    let parent = this.body;
    for (const segment of path.slice(0, -1)) {
      const child = parent[segment];
      parent = child !== null && typeof child === 'object' && !Array.isArray(child) ? child : (parent[segment] = {});
    }
    return { parent, key: path[path.length - 1]! };
  }

  /** A scalar or whole value: the last flag that sets it wins, as pflag's last value does. */
  set(field: string, value: Json, at: SourceLocation): void {
    const { parent, key } = this.parentOf(field);
    parent[key] = value;
    this.places.set(field, at);
  }

  /** One more item of a list field (`HostConfig.Binds`), located at its own flag. */
  push(field: string, value: Json, at: SourceLocation): void {
    const { parent, key } = this.parentOf(field);
    const list = Array.isArray(parent[key]) ? parent[key] : [];
    parent[key] = list;
    this.places.set(`${field}[${list.length}]`, at);
    if (!this.places.has(field)) this.places.set(field, at);
    list.push(value);
  }

  /** One key of a map field (`HostConfig.Sysctls`), located at its own flag (`HostConfig.Sysctls["net.core.x"]`, as the judge names it). */
  put(field: string, key: string, value: Json, at: SourceLocation): void {
    const { parent, key: last } = this.parentOf(field);
    const map = parent[last] !== null && typeof parent[last] === 'object' && !Array.isArray(parent[last]) ? parent[last] : {};
    parent[last] = map;
    map[key] = value;
    this.places.set(formatJsonPath([...field.split('.'), key]), at);
    if (!this.places.has(field)) this.places.set(field, at);
  }

  /** The items of a list field with where each was written, in order. */
  items(field: string): Array<{ value: Json; at: SourceLocation }> {
    const list = this.get(field);
    return Array.isArray(list) ? list.map((value, i) => ({ value, at: this.places.get(`${field}[${i}]`)! })) : [];
  }

  /** A list field given anew (null when empty, as Go sends a nil slice), each item at its own place. */
  replaceList(field: string, items: ReadonlyArray<{ value: Json; at: SourceLocation }>): void {
    for (const key of [...this.places.keys()]) if (key === field || key.startsWith(`${field}[`)) this.places.delete(key);
    this.set(field, null, items[0]?.at ?? this.places.get('Image')!);
    if (items.length === 0) this.places.delete(field);
    for (const item of items) this.push(field, item.value, item.at);
  }

  get(field: string): Json | undefined {
    const { parent, key } = this.parentOf(field);
    return parent[key];
  }

  /**
   * Where `field` was written: the place of the longest field this body recorded that `field` lies in
   * (`HostConfig.Mounts[0].Source` in `HostConfig.Mounts[0]`), else undefined.
   */
  placeOf(field: string): SourceLocation | undefined {
    for (let candidate = field; candidate !== ''; candidate = candidate.replace(/(\.[^.[\]]*|\[[^\]]*\])$/, '')) {
      const place = this.places.get(candidate);
      if (place !== undefined) return place;
      if (!/[.[]/.test(candidate)) break;
    }
    return undefined;
  }
}

export type { Json, JsonObject };
