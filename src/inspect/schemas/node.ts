// swarm.NodeSpec, the body of POST /nodes/{id}/update: promoting a node to manager hands it the cluster.
import { object, str } from '../body-schema.js';
import { annotationsFields } from './swarm-common.js';

export const nodeSpecBody = object({ ...annotationsFields, Role: str, Availability: str });
