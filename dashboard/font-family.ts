/** The dashboard's text face: the shell's styles, the served page's body and the font warm-up use this one list. */
export const FONT_FAMILY = 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';
