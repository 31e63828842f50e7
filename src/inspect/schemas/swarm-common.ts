// Pieces shared by the swarm bodies (services, swarm spec, secrets, configs, nodes).
import { object, str, stringMap } from '../body-schema.js';

/** swarm.Annotations, embedded in every swarm spec: its fields sit at the spec's own level. */
export const annotationsFields = { Name: str, Labels: stringMap } as const;

/** swarm.Driver: a named driver with options (log drivers, secret drivers, templating). */
export const swarmDriver = object({ Name: str, Options: stringMap });
