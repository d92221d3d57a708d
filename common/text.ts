/**
 * Removes ANSI escape sequences, C0/C1 controls, and invisible or direction-changing characters (zero-width, bidi
 * overrides) that could disguise text on a terminal.
 */
export function withoutControlCharacters(text: string): string {
  return text
    .replace(/\u001b\[[0-?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(\u0007|\u001b\\)?|\u001b[@-_]/g, '')
    .replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]/g, '');
}
