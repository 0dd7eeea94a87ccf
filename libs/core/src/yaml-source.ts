import { LineCounter, isAlias, isMap, isScalar, isSeq, parseAllDocuments, Scalar, type Document } from 'yaml';

/** FieldPath locates a value inside one item of a file: field names and list indexes, e.g. ['notify', 1, 'sms']. */
export type FieldPath = Array<string | number>;

/** SourcePosition is a 1-based line and column in a file, as editors count them. */
export interface SourcePosition {
  line: number;
  column: number;
}

/** SourceItem is one top-level item of a YAML or JSON file (a rule, a class, a template): its parsed value and where its fields are. */
export interface SourceItem {
  value: unknown;
  /** locate returns where a field's value is (its name, with `at: 'key'`), or the deepest part of the path that exists. */
  locate(path: FieldPath, at?: 'key' | 'value'): SourcePosition;
  /** raw returns the source text of a scalar field, because YAML reads `+15551234567` and `007` as numbers. */
  raw(path: FieldPath): string | undefined;
  /**
   * positionInScalar maps a 1-based line and column inside the text of the scalar at `path` to the file: in a block
   * scalar (`mjml: |`) line n of the text is the n-th line after the `|`, at the block's indentation; any other scalar
   * holds the text on its own line (JSON strings, quoted YAML), where the text's first line starts after the opening
   * quote. A position it cannot map points at the scalar (or the deepest part of the path that exists).
   */
  positionInScalar(path: FieldPath, line: number, column: number): SourcePosition;
}

type Doc = Document.Parsed;

/**
 * readSourceItems parses the `---` documents of a YAML or JSON file into its items: the entries of a document that
 * is a list, else the document itself. A document with a syntax error is reported to `fail` and yields nothing, as
 * does an empty one (only comments).
 */
export function readSourceItems(text: string, fail: (at: SourcePosition, message: string) => void): SourceItem[] {
  const lineCounter = new LineCounter();
  const where = (offset: number): SourcePosition => {
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };
  const parsed = parseAllDocuments(text, { lineCounter, prettyErrors: false });
  // A stream of only comments parses as an EmptyStream, not an array: nothing to load.
  const docs = Array.isArray(parsed) ? parsed : [];
  const items: SourceItem[] = [];
  for (const doc of docs) {
    for (const e of doc.errors) fail(where(e.pos[0]), `expected valid YAML or JSON, got ${e.message}`);
    if (doc.errors.length > 0) continue;
    let value: unknown;
    try {
      value = doc.toJS();
    } catch (err) {
      // yaml refuses alias bombs (maxAliasCount); report it like a syntax error.
      fail(where(doc.range[0]), `expected valid YAML or JSON, got ${(err as Error).message}`);
      continue;
    }
    if (value === null || value === undefined) continue;
    const contents = doc.contents;
    const entries = isSeq(contents) && Array.isArray(value)
      ? contents.items.map((node, i) => ({ node, value: value[i] as unknown }))
      : [{ node: contents as unknown, value }];
    for (const entry of entries) {
      items.push({
        value: entry.value,
        locate: (path, at = 'value') => where(offsetOf(doc, entry.node, path, at)),
        raw: (path) => rawText(text, doc, entry.node, path),
        positionInScalar: (path, line, column) => scalarPosition(text, doc, entry.node, path, line, column, where),
      });
    }
  }
  return items;
}

/** formatFieldPath renders a field path the way error messages name fields: `.notify[1].sms`. */
export function formatFieldPath(path: FieldPath): string {
  return path.map((seg) => (typeof seg === 'number' ? `[${seg}]` : `.${seg}`)).join('');
}

// Walks the YAML nodes along a field path; stops at the deepest node that exists, so a missing field points at its item.
function nodeAt(doc: Doc, root: unknown, path: FieldPath): { node: unknown; key: unknown; complete: boolean } {
  let node = root;
  let key: unknown = null;
  for (const seg of path) {
    if (isAlias(node)) node = node.resolve(doc);
    if (isMap(node)) {
      const pair = node.items.find((p) => String(isScalar(p.key) ? p.key.value : p.key) === String(seg));
      if (!pair) return { node, key, complete: false };
      key = pair.key;
      node = pair.value ?? pair.key;
    } else if (isSeq(node) && typeof seg === 'number' && node.items[seg] !== undefined) {
      key = null;
      node = node.items[seg];
    } else {
      return { node, key, complete: false };
    }
  }
  return { node, key, complete: true };
}

function startOf(node: unknown): number | undefined {
  return (node as { range?: [number, number, number] } | null)?.range?.[0];
}

function offsetOf(doc: Doc, root: unknown, path: FieldPath, at: 'key' | 'value'): number {
  const found = nodeAt(doc, root, path);
  const target = at === 'key' && found.complete && found.key ? found.key : found.node;
  return startOf(target) ?? doc.range[0];
}

function rawText(text: string, doc: Doc, root: unknown, path: FieldPath): string | undefined {
  const found = nodeAt(doc, root, path);
  if (!found.complete || !isScalar(found.node) || !found.node.range) return undefined;
  return text.slice(found.node.range[0], found.node.range[1]);
}

function scalarPosition(
  text: string, doc: Doc, root: unknown, path: FieldPath, line: number, column: number, where: (offset: number) => SourcePosition,
): SourcePosition {
  const { node, complete } = nodeAt(doc, root, path);
  const start = startOf(node) ?? doc.range[0];
  const at = where(start);
  if (!complete || !isScalar(node)) return at;
  if (node.type === Scalar.BLOCK_LITERAL || node.type === Scalar.BLOCK_FOLDED) {
    const body = text.indexOf('\n', start) + 1;
    const firstLine = text.slice(body).split('\n').find((l) => l.trim() !== '') ?? '';
    const indent = firstLine.length - firstLine.trimStart().length;
    return { line: where(body).line + line - 1, column: indent + column };
  }
  if (line > 1) return at;
  const quoted = node.type === Scalar.QUOTE_DOUBLE || node.type === Scalar.QUOTE_SINGLE ? 1 : 0;
  return { line: at.line, column: at.column + quoted + column - 1 };
}
