// The CN of a certificate's subject, by one rule. A subject may carry the CN attribute more than once (in
// separate RDNs, or together in one multi-valued RDN), and readers then disagree on the name: Node lists
// them all and dockgate took the first, Go's crypto/x509 (the engine, the docker CLI) takes the last. A
// name that depends on who reads it cannot select a policy rule or stand in an audit record, so a subject
// names at most one CN, and a certificate with several identifies no one: its connection is refused
// (`ambiguous-subject`), never read one way or the other.

export class AmbiguousSubjectError extends Error {
  override name = 'AmbiguousSubjectError';

  constructor(readonly names: readonly string[]) {
    super(`its subject names ${names.length} CNs (${names.map((n) => JSON.stringify(n)).join(', ')}), and readers disagree on which is its name (Go takes the last, others the first)`);
  }
}

/** The subject's one CN, undefined when it has none; throws AmbiguousSubjectError when it has several. */
export function singleCommonName(names: string | readonly string[] | undefined): string | undefined {
  if (names === undefined || typeof names === 'string') return names;
  if (names.length > 1) throw new AmbiguousSubjectError(names);
  return names[0];
}
