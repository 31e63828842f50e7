// network.EndpointSettings, how a container joins a network: NetworkingConfig.EndpointsConfig of a
// container create body and EndpointConfig of a network connect body.
import { int, object, pointer, str, stringList, stringMap } from '../body-schema.js';

export const endpointSettings = object({
  IPAMConfig: pointer(object({ IPv4Address: str, IPv6Address: str, LinkLocalIPs: stringList })),
  Links: stringList,
  Aliases: stringList,
  MacAddress: str,
  DriverOpts: stringMap,
  GwPriority: int,
  NetworkID: str,
  EndpointID: str,
  Gateway: str,
  IPAddress: str,
  IPPrefixLen: int,
  IPv6Gateway: str,
  GlobalIPv6Address: str,
  GlobalIPv6PrefixLen: int,
  DNSNames: stringList,
});
