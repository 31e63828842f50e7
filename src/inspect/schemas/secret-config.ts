// Secret and config bodies (create and update). Data is a []byte in Go, a base64 string in JSON; it is
// forwarded as sent, so the engine decodes exactly the bytes it would have decoded without dockgate.
import { object, str } from '../body-schema.js';
import { annotationsFields, swarmDriver } from './swarm-common.js';

export const secretSpecBody = object({ ...annotationsFields, Data: str, Driver: swarmDriver, Templating: swarmDriver });

export const configSpecBody = object({ ...annotationsFields, Data: str, Templating: swarmDriver });
