// Which learned rule a record belongs to: one rule per client, its `match:` written as the policy file
// selects that client (identity-selector.ts). A unix peer in a container is selected by its container (its
// Compose project and service when Compose made it, else its name), any other unix peer by uid, a TLS peer
// by its certificate's CN (or fingerprint when it has none), a plain TCP peer by its listener. `--by ou` groups
// TLS peers by their certificate's OU, `--by listener` every client by the listener it came in on.
import type { Identity } from '../identify/identity.js';

export const GROUPINGS = ['identity', 'ou', 'listener'] as const;
export type Grouping = (typeof GROUPINGS)[number];

export interface LearnedIdentity {
  /** Unique per rule; also the order of rules: container rules first (their peers are unix peers too, which a uid rule would select). */
  key: string;
  /** The rule's name (letters, digits, `.`, `_`, `-`). */
  name: string;
  match: Record<string, unknown>;
}

/** A name part from client-chosen text, in the characters rule names allow. */
function namePart(text: string): string {
  return text.replace(/[^A-Za-z0-9_.-]+/g, '-').replace(/^[^A-Za-z0-9]+/, '') || 'x';
}

export function learnedIdentity(identity: Identity, by: Grouping): LearnedIdentity {
  if (by === 'listener') return { key: `3 listener ${identity.listener}`, name: `learned.listener-${namePart(identity.listener)}`, match: { listener: identity.listener } };
  switch (identity.kind) {
    case 'unix': {
      const container = identity.container;
      if (container?.composeProject !== undefined && container.composeService !== undefined) {
        return {
          key: `0 compose ${container.composeProject} ${container.composeService}`,
          name: `learned.compose-${namePart(container.composeProject)}-${namePart(container.composeService)}`,
          match: { container: { 'compose-project': container.composeProject, 'compose-service': container.composeService } },
        };
      }
      if (container !== undefined) return { key: `0 container ${container.name}`, name: `learned.container-${namePart(container.name)}`, match: { container: { name: container.name } } };
      return { key: `2 uid ${identity.uid}`, name: `learned.uid-${identity.uid}`, match: { uid: identity.uid } };
    }
    case 'tls': {
      const ou = [...identity.ou].sort()[0];
      if (by === 'ou' && ou !== undefined) return { key: `1 ou ${ou}`, name: `learned.ou-${namePart(ou)}`, match: { ou } };
      if (identity.cn !== undefined) return { key: `1 cn ${identity.cn}`, name: `learned.cn-${namePart(identity.cn)}`, match: { cn: identity.cn } };
      return { key: `1 fingerprint ${identity.fingerprint}`, name: `learned.fingerprint-${namePart(identity.fingerprint.slice(0, 23))}`, match: { fingerprint: identity.fingerprint } };
    }
    case 'tcp':
      return { key: `3 listener ${identity.listener}`, name: `learned.listener-${namePart(identity.listener)}`, match: { listener: identity.listener } };
  }
}
