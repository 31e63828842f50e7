// Plugin bodies. Pull and upgrade send the privileges the user grants the plugin (host network, mounts
// of host paths, devices, capabilities: a plugin runs as root outside any container's limits); set sends
// `KEY=value` settings, which can point a plugin's mounts and devices at host paths.
import { arrayOf, object, str, stringList, type BodyOf } from '../body-schema.js';

/** types.PluginPrivileges: the whole body of POST /plugins/pull and /plugins/{name}/upgrade. */
export const pluginPrivilegesBody = arrayOf(object({ Name: str, Description: str, Value: stringList }));

export type PluginPrivilegesBody = BodyOf<typeof pluginPrivilegesBody>;

/** The whole body of POST /plugins/{name}/set. */
export const pluginSettingsBody = stringList;
