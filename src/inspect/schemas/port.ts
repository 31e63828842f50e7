// Container ports as map keys (Config.ExposedPorts, HostConfig.PortBindings). Newer engines parse each key
// (`080/TCP` and `80/tcp` are the same port to them, and the last key wins); older ones keep the string.
// Only the canonical spelling is accepted, so two keys can never name one port.
import { arrayOf, emptyObject, mapOf, object, str, type KeyRule, type BodyOf } from '../body-schema.js';

const PORT_KEY = /^([1-9][0-9]{0,4})\/(tcp|udp|sctp)$/;

export const portKey: KeyRule = {
  describe: 'a port as <number>/<protocol>, e.g. 80/tcp (number 1-65535 without leading zeros; tcp, udp or sctp in lower case)',
  test(key: string): boolean {
    const match = PORT_KEY.exec(key);
    return match !== null && Number(match[1]) <= 65535;
  },
};

/** nat.PortSet / network.PortSet: map[Port]struct{}. */
export const portSet = mapOf(emptyObject(), portKey);

/** nat.PortMap / network.PortMap: map[Port][]PortBinding. */
export const portMap = mapOf(arrayOf(object({ HostIp: str, HostPort: str })), portKey);

export type PortMapBody = BodyOf<typeof portMap>;
