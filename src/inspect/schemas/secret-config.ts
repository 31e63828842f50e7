// Secret and config bodies (create and update). Data is a []byte in Go, a base64 string in JSON; it is
// forwarded as sent, so the engine decodes exactly the bytes it would have decoded without dockgate.
import { object, pointer, str } from '../body-schema.js';
import { annotationsFields, swarmDriver } from './swarm-common.js';

/** A []byte: null sets it to nil, as it does a pointer. */
const bytes = pointer(str);

export const secretSpecBody = object({ ...annotationsFields, Data: bytes, Driver: pointer(swarmDriver), Templating: pointer(swarmDriver) });

export const configSpecBody = object({ ...annotationsFields, Data: bytes, Templating: pointer(swarmDriver) });
