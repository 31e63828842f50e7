// How client-supplied text appears inside refusal messages: quoted, escaped and bounded,
// so a hostile target can neither forge message structure nor flood logs.

const MAX_SHOWN = 120;

export function quote(text: string): string {
  return JSON.stringify(text.length > MAX_SHOWN ? `${text.slice(0, MAX_SHOWN)}…` : text);
}
