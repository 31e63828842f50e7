// The body of POST /containers/{id}/update: container.UpdateConfig, Resources (embedded) and RestartPolicy.
import { object, type BodyOf } from '../body-schema.js';
import { resourcesFields, restartPolicy } from './resources.js';

export const containerUpdateBody = object({ ...resourcesFields, RestartPolicy: restartPolicy });

export type ContainerUpdateBody = BodyOf<typeof containerUpdateBody>;
