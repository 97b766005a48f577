/**
 * The array types the store sends and reads, declared to the client it makes, so that it need
 * not ask each new connection for the server's type catalogue (`fetch_types: false`): a round
 * trip less on every open. One-dimensional arrays are all the store uses.
 */
export const TEXT_ARRAY = 1009;
export const FLOAT8_ARRAY = 1022;
export const BYTEA_ARRAY = 1001;

const quote = (text: string) => `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;

function serialize<T>(items: readonly T[], item: (value: T) => string): string {
  return `{${items.map((value) => (value === null ? 'NULL' : quote(item(value)))).join(',')}}`;
}

/** A one-dimensional array literal as the server writes it: `{a,"b c","d\"e",NULL}`. */
export function parseTextArray(text: string): (string | null)[] {
  const out: (string | null)[] = [];
  const end = text.length - 1;
  let i = 1;
  while (i < end) {
    if (text[i] === '"') {
      let value = '';
      let from = ++i;
      for (;;) {
        const quoteAt = text.indexOf('"', i);
        const escapeAt = text.indexOf('\\', i);
        if (escapeAt !== -1 && escapeAt < quoteAt) {
          value += text.slice(from, escapeAt) + text[escapeAt + 1];
          from = i = escapeAt + 2;
        } else {
          value += text.slice(from, quoteAt);
          i = quoteAt + 1;
          break;
        }
      }
      out.push(value);
    } else {
      let comma = text.indexOf(',', i);
      if (comma === -1 || comma > end) comma = end;
      const raw = text.slice(i, comma);
      out.push(raw === 'NULL' ? null : raw);
      i = comma;
    }
    i++; // the comma
  }
  return out;
}

/** The `types` option of a client the store makes. */
export const ARRAY_TYPES = {
  pipetraceTextArray: {
    to: TEXT_ARRAY,
    from: [TEXT_ARRAY],
    serialize: (items: readonly string[]) => serialize(items, String),
    parse: parseTextArray,
  },
  pipetraceFloat8Array: {
    to: FLOAT8_ARRAY,
    from: [] as number[],
    serialize: (items: readonly number[]) => serialize(items, String),
    parse: (text: string) => parseTextArray(text).map(Number),
  },
  pipetraceByteaArray: {
    to: BYTEA_ARRAY,
    from: [] as number[],
    serialize: (items: readonly Uint8Array[]) =>
      serialize(items, (b) => `\\x${Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex')}`),
    parse: (text: string) => parseTextArray(text),
  },
};
