/** A tiny DOM builder: text always goes in as text nodes, never as markup. */

type Child = Node | string | number | false | null | undefined;
type Attrs = Record<string, string | number | boolean | undefined | EventListener>;

/** An element with attributes (`on*` functions become listeners) and children. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: (Child | Child[])[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    if (typeof value === 'function') el.addEventListener(name.slice(2).toLowerCase(), value);
    else if (name === 'class') el.className = String(value);
    else el.setAttribute(name, value === true ? '' : String(value));
  }
  append(el, children);
  return el;
}

export function append(el: Element | DocumentFragment, children: (Child | Child[])[]): void {
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    el.append(typeof child === 'object' ? child : String(child));
  }
}

/** Several nodes as one, for a view to hand back. */
export function fragment(...children: (Child | Child[])[]): DocumentFragment {
  const f = document.createDocumentFragment();
  append(f, children);
  return f;
}

/** Replaces an element's children. */
export function fill(el: Element, ...children: (Child | Child[])[]): void {
  el.replaceChildren();
  append(el, children);
}

/** A link to another view (a real href, so it opens in a new tab and reads as a link). */
export function link(href: string, text: string, attrs: Attrs = {}): HTMLAnchorElement {
  return h('a', { href, ...attrs }, text);
}

/** A column header: its text, or `{ hidden }` for a column whose header only screen readers need. */
export type Head = string | { hidden: string };

/** A header cell (a hidden header still names the column, so no header is empty). */
export function th(c: Head): HTMLTableCellElement {
  return h('th', { scope: 'col' }, typeof c === 'string' ? c : h('span', { class: 'sr-only' }, c.hidden));
}

/** A body cell labelled with its column, so a narrow screen can show the row as a card. */
export function td(label: Head, ...children: (Child | Child[])[]): HTMLTableCellElement {
  return h('td', { 'data-label': typeof label === 'string' ? label : '' }, ...children);
}

/**
 * A table of header labels and rows of cells; on narrow screens (the `stack` class) each row
 * shows as a card with each cell labelled.
 */
export function table(head: Head[], rows: (Child | Child[])[][], attrs: Attrs = {}): HTMLTableElement {
  const cls = ['stack', attrs.class].filter(Boolean).join(' ');
  return h(
    'table',
    { ...attrs, class: cls },
    h('thead', {}, h('tr', {}, ...head.map(th))),
    h(
      'tbody',
      {},
      ...rows.map((r) => h('tr', {}, ...r.map((c, i) => td(head[i] ?? '', ...(Array.isArray(c) ? c : [c]))))),
    ),
  );
}

/** A two-column table of names and values (params, metrics): one row each, nothing wrapped mid-word. */
export function keyValues(label: string, entries: [string, Child][]): HTMLTableElement {
  return h(
    'table',
    { class: 'kv', 'aria-label': label },
    h(
      'tbody',
      {},
      ...entries.map(([k, v]) =>
        h('tr', {}, h('th', { scope: 'row', class: 'mono' }, k), h('td', { class: 'mono' }, v)),
      ),
    ),
  );
}
