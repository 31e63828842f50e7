// One request `dockgate check` judges before it is ever sent: a container, volume or network create that a
// compose file or a `docker run` line would make, or a raw API body, with where each of its body fields came
// from in the source, so that a refusal points at the line and column of the key that asked for it.

/** A place in a checked file: 1-based line and column, as editors and SARIF count them. */
export interface SourceLocation {
  file: string;
  line: number;
  column: number;
}

export interface CheckedRequest {
  /** What the request is, for messages: `service web`, `docker run (line 3)`, `body.json`. */
  subject: string;
  method: string;
  /** The request target the client would send, with the API version: `/v1.41/containers/create?name=app-web-1`. */
  path: string;
  /** The JSON body the client would send (a value, serialised by the judge as raw JSON). */
  body?: unknown;
  /** Where the subject itself starts (the service's key, the `docker` word of the line, the file). */
  location: SourceLocation;
  /**
   * Where the value at a body field was written, `field` spelt as the judge's violations spell it
   * (`HostConfig.Binds[0]`, `HostConfig.Privileged`, `?name` for a query parameter); the subject's own
   * location when the source has no place for it (a value the client adds by itself).
   */
  locate(field: string): SourceLocation;
}
