// Shared bits of the pure renderers.

/** The plan cannot be expressed in this format (wrong hypervisor, a device the format has no way to say). */
export class RenderError extends Error {
  override name = 'RenderError';
  readonly code = 'RENDER_UNSUPPORTED';
}

export function xmlEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

/** Minimal XML writer: element(name, attrs, children) with stable attribute order. */
export type XmlNode = {
  name: string;
  attrs?: Record<string, string | number | boolean | null | undefined>;
  children?: (XmlNode | string)[];
};

export function el(name: string, attrs?: XmlNode['attrs'], ...children: (XmlNode | string | null | undefined | false)[]): XmlNode {
  return { name, attrs, children: children.filter((c): c is XmlNode | string => c !== null && c !== undefined && c !== false) };
}

export function serializeXml(node: XmlNode, indent = 0): string {
  const pad = '  '.repeat(indent);
  const attrs = Object.entries(node.attrs ?? {})
    .filter(([, v]) => v !== null && v !== undefined)
    .map(([k, v]) => ` ${k}="${xmlEscape(String(v))}"`)
    .join('');
  const kids = node.children ?? [];
  if (kids.length === 0) return `${pad}<${node.name}${attrs}/>`;
  if (kids.length === 1 && typeof kids[0] === 'string') return `${pad}<${node.name}${attrs}>${xmlEscape(kids[0])}</${node.name}>`;
  const inner = kids
    .map((k) => (typeof k === 'string' ? `${'  '.repeat(indent + 1)}${xmlEscape(k)}` : serializeXml(k, indent + 1)))
    .join('\n');
  return `${pad}<${node.name}${attrs}>\n${inner}\n${pad}</${node.name}>`;
}

/** Comment-safe one-liner for config formats with # comments. */
export function commentLine(s: string): string {
  return s.replace(/[\r\n]+/g, ' ');
}

export function quoteCfg(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}
