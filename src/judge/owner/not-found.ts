// The engine's own answer for an object that does not exist, which is what a client hears about an object
// of another owner: any other answer would tell that it exists. moby words it as objNotFoundError
// (`No such %s: %s`, daemon/errors.go) with the reference exactly as the client gave it; the e2e test
// compares these texts with the engine's answer for a name that is really missing.
export function noSuchContainer(ref: string): string {
  return `No such container: ${ref}`;
}

export function noSuchExec(id: string): string {
  return `No such exec instance: ${id}`;
}
