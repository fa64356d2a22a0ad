// A small element tree from saxes, with the line of every element, for the OVF and libvirt readers. Names are
// kept as written (prefix included); `local()` strips the prefix, so `rasd:ResourceType` and a default
// namespace read alike. A malformed document is a MALFORMED InspectError naming line and column.
import { SaxesParser } from 'saxes';
import type { SourceFormat } from './types.ts';
import { malformed } from './errors.ts';

export interface XmlNode {
  name: string;
  attrs: Record<string, string>;
  children: XmlNode[];
  text: string;
  line: number;
}

export function parseXml(text: string, format: SourceFormat): XmlNode {
  const parser = new SaxesParser({ position: true });
  const root: XmlNode = { name: '#document', attrs: {}, children: [], text: '', line: 0 };
  const stack: XmlNode[] = [root];
  const top = () => stack[stack.length - 1] ?? root;
  let failure: { message: string; line: number; column: number } | undefined;
  parser.on('error', (err) => {
    failure ??= { message: err.message.replace(/^\d+:\d+: /, ''), line: parser.line, column: parser.column };
  });
  parser.on('opentag', (tag) => {
    const el: XmlNode = {
      name: tag.name,
      attrs: { ...(tag.attributes as Record<string, string>) },
      children: [],
      text: '',
      line: parser.line,
    };
    top().children.push(el);
    if (!tag.isSelfClosing) stack.push(el);
  });
  parser.on('closetag', (tag) => {
    if (!tag.isSelfClosing) stack.pop();
  });
  parser.on('text', (t) => {
    if (stack.length > 1) top().text += t;
  });
  parser.on('cdata', (t) => {
    if (stack.length > 1) top().text += t;
  });
  try {
    parser.write(text).close();
  } catch (err) {
    failure ??= { message: (err as Error).message, line: parser.line, column: parser.column };
  }
  if (failure) throw malformed(format, failure.line, `not well-formed XML: ${failure.message}`, failure.column);
  const [doc, ...more] = root.children;
  if (!doc || more.length > 0) throw malformed(format, more[0]?.line, `expected one document element, found ${root.children.length}`);
  return doc;
}

export const local = (name: string): string => name.slice(name.indexOf(':') + 1);

/** An attribute by local name (`ovf:id` and `id` alike). */
export function attr(el: XmlNode, name: string): string | undefined {
  if (name in el.attrs) return el.attrs[name];
  for (const [k, v] of Object.entries(el.attrs)) if (local(k) === name && !k.startsWith('xmlns')) return v;
  return undefined;
}

export const kids = (el: XmlNode, name: string): XmlNode[] => el.children.filter((c) => local(c.name) === name);
export const kid = (el: XmlNode, name: string): XmlNode | undefined => el.children.find((c) => local(c.name) === name);
export const kidText = (el: XmlNode, name: string): string | undefined => kid(el, name)?.text.trim();
