// A streaming (SAX) read of one osinfo XML file into a small element tree. Translations
// (elements carrying xml:lang) are dropped while streaming: they are 80% of osinfo-db's bytes and
// virtcompat keeps the default-language text only. Comments and processing instructions are
// ignored. A malformed document throws an XmlError naming the file, line and column.
import { SaxesParser } from 'saxes';
import { at } from '../../../src/util/must.ts';

export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  text: string;
  line: number;
}

export class XmlError extends Error {
  override name = 'XmlError';
}

export function parseXml(text: string, fileName: string): XmlElement {
  const parser = new SaxesParser({ fileName, position: true });
  const root: XmlElement = { name: '#document', attrs: {}, children: [], text: '', line: 0 };
  const stack: XmlElement[] = [root];
  // Depth inside a skipped (translated) subtree; 0 when not skipping.
  let skipping = 0;
  let error: Error | null = null;
  parser.on('error', (err) => {
    error ??= err;
  });
  parser.on('opentag', (tag) => {
    if (skipping > 0) {
      if (!tag.isSelfClosing) skipping++;
      return;
    }
    const attrs = tag.attributes as Record<string, string>;
    if ('xml:lang' in attrs) {
      if (!tag.isSelfClosing) skipping = 1;
      return;
    }
    const el: XmlElement = { name: tag.name, attrs: { ...attrs }, children: [], text: '', line: parser.line };
    at(stack, -1, 'the open element').children.push(el);
    if (!tag.isSelfClosing) stack.push(el);
  });
  parser.on('closetag', (tag) => {
    if (tag.isSelfClosing) return;
    if (skipping > 0) {
      skipping--;
      return;
    }
    stack.pop();
  });
  parser.on('text', (t) => {
    if (skipping > 0 || stack.length === 1) return;
    at(stack, -1, 'the open element').text += t;
  });
  parser.on('cdata', (t) => {
    if (skipping > 0 || stack.length === 1) return;
    at(stack, -1, 'the open element').text += t;
  });
  try {
    parser.write(text).close();
  } catch (err) {
    error ??= err as Error;
  }
  if (error) throw new XmlError((error as Error).message);
  const top = root.children;
  if (top.length !== 1) throw new XmlError(`${fileName}: expected one document element, found ${top.length}`);
  return at(top, 0);
}

/** Trimmed text of the first child element with this name, or undefined. */
export function childText(el: XmlElement, name: string): string | undefined {
  for (const c of el.children) if (c.name === name) return c.text.trim();
  return undefined;
}

export function childrenNamed(el: XmlElement, name: string): XmlElement[] {
  return el.children.filter((c) => c.name === name);
}
