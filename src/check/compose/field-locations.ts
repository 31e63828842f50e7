// Where each body field of a request made from a compose file was written: the field as the judge's
// violations spell it (`HostConfig.Binds[0]`, `HostConfig.Sysctls.net.ipv4.ip_forward`, `?name`) mapped to
// the key or list item that set it. A field asked for that was not recorded is answered by its nearest
// recorded parent (`HostConfig.Mounts[0].BindOptions.CreateMountpoint` by `HostConfig.Mounts[0]`), and a
// field with no parent recorded by the subject (the service's key): what Compose adds on its own.
import type { SourceLocation } from '../checked-request.js';

export class FieldLocations {
  private readonly fields = new Map<string, SourceLocation>();

  constructor(readonly subject: SourceLocation) {}

  /** Records where `field` was set; a later record of the same field replaces the earlier one. */
  set(field: string, at: SourceLocation): void {
    this.fields.set(field, at);
  }

  /** The place of `field`, else of its nearest recorded parent, else the subject's. */
  locate(field: string): SourceLocation {
    // A violation may qualify its field (`HostConfig.Binds[0] --device`); the field is its first word.
    let path = field.split(' ')[0]!;
    while (path !== '') {
      const at = this.fields.get(path);
      if (at !== undefined) return at;
      path = parentField(path);
    }
    return this.subject;
  }
}

/** `HostConfig.Binds[0]` → `HostConfig.Binds` → `HostConfig` → ``. */
function parentField(path: string): string {
  const index = /\[\d+\]$/u.exec(path);
  if (index !== null) return path.slice(0, index.index);
  const dot = path.lastIndexOf('.');
  return dot < 0 ? '' : path.slice(0, dot);
}
