// Text that came from somewhere else (a container's name, a bind path, a label, an engine's version string,
// a certificate's subject) printed on an operator's terminal. Whoever wrote it could hide escape sequences
// in it that clear the screen, set the window title, plant hyperlinks or clipboard writes, or draw a fake
// summary; bidi overrides reorder what is shown, and line separators start a line the reader did not.
// Every such character is shown as a visible escape instead: \e for ESC, \uXXXX for the rest, and a
// backslash doubled so an escape cannot be forged. JSON and SARIF output stay exact (their encoders
// escape what they must); this is for text meant to be read.

/** C0 controls (but tab), DEL, C1 controls, line and paragraph separators, bidi and other invisible format characters. */
const UNSAFE = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff\ufff9-\ufffb\\]/gu;

function escape(char: string): string {
  if (char === '\\') return '\\\\';
  if (char === '\u001b') return '\\e';
  if (char === '\n') return '\\n';
  if (char === '\r') return '\\r';
  return `\\u${char.codePointAt(0)!.toString(16).padStart(4, '0')}`;
}

/** `text` with every character that could act on a terminal, or hide or reorder what it shows, made visible. */
export function inertText(text: string): string {
  return text.replace(UNSAFE, escape);
}
