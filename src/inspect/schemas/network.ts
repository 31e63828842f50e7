// Network bodies: POST /networks/create (drivers such as macvlan or ipvlan attach to host interfaces
// through Options), /networks/{id}/connect and /networks/{id}/disconnect.
import { arrayOf, bool, object, str, stringMap, type BodyOf } from '../body-schema.js';
import { endpointSettings } from './endpoint-settings.js';

export const networkCreateBody = object({
  Name: str,
  // Read by engines up to 28 (API < 1.44 honours it); ignored by newer ones.
  CheckDuplicate: bool,
  Driver: str,
  Scope: str,
  EnableIPv4: bool,
  EnableIPv6: bool,
  IPAM: object({
    Driver: str,
    Options: stringMap,
    Config: arrayOf(object({ Subnet: str, IPRange: str, Gateway: str, AuxiliaryAddresses: stringMap })),
  }),
  Internal: bool,
  Attachable: bool,
  Ingress: bool,
  ConfigOnly: bool,
  ConfigFrom: object({ Network: str }),
  Options: stringMap,
  Labels: stringMap,
});

export type NetworkCreateBody = BodyOf<typeof networkCreateBody>;

export const networkConnectBody = object({ Container: str, EndpointConfig: endpointSettings });

export const networkDisconnectBody = object({ Container: str, Force: bool });
