/** Escaping for the HTML and SVG renderers. Browser-safe, pure. */

const HTML: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text safe inside HTML/SVG element content and double- or single-quoted attributes. */
export function escapeHtml(value: unknown): string {
  // Control characters other than tab and newline are invalid in XML (SVG): drop them.
  return String(value)
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '\ufffd')
    .replace(/[&<>"']/g, (c) => HTML[c] as string);
}
