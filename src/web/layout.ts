// The frame every page shares: a skip link, the navigation, one <main>, the stylesheet served by the
// service itself (no CDN: the service works air-gapped).
import { html, type Html } from './html.ts';

export interface Viewer {
  keyId: string;
  role: string;
  vendor: { id: string; name: string } | null;
}

export interface Frame {
  title: string;
  viewer: Viewer | null;
  csrf: string;
  /** Path of the current section, for aria-current in the navigation. */
  section?: string;
  head?: Html;
}

const NAV: Array<[string, string]> = [
  ['/search', 'Search'],
  ['/matrix', 'Matrix'],
  ['/planner', 'Planner'],
  ['/move', 'Move'],
  ['/changes', 'Changes'],
  ['/vendor', 'Vendors'],
];

export function page(f: Frame, body: Html): string {
  return `<!doctype html>\n${html`<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${f.title} · virtcompat</title>
<link rel="stylesheet" href="/static/web.css">
<link rel="alternate" type="application/atom+xml" title="virtcompat changes" href="/changes.atom">
${f.head}
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="top">
  <a class="brand" href="/">virtcompat</a>
  <nav class="main-nav" aria-label="Main"><ul>
    ${NAV.map(([href, label]) => html`<li><a href="${href}"${f.section === href ? html` aria-current="page"` : ''}>${label}</a></li>`)}
  </ul></nav>
  <div class="who">${
    f.viewer
      ? html`<span>Signed in: ${f.viewer.vendor?.name ?? f.viewer.role.toLowerCase()} (${f.viewer.role.toLowerCase()})</span>
    <form method="post" action="/vendor/sign-out"><input type="hidden" name="_csrf" value="${f.csrf}"><button type="submit">Sign out</button></form>`
      : html`<a href="/vendor/sign-in">Sign in</a>`
  }</div>
</header>
<main id="main">
<h1>${f.title}</h1>
${body}
</main>
<footer><p>virtcompat · every page is also a <a href="/graphql">GraphQL</a> query · <a href="/changes.atom">Atom feed</a></p></footer>
</body>
</html>`}\n`;
}

/** A labelled <select>; `options` are [value, label] pairs, the first usually "any". */
export function select(name: string, label: string, options: Array<[string, string]>, selected: string | undefined): Html {
  return html`<label for="f-${name}">${label}</label>
<select id="f-${name}" name="${name}">${options.map(([v, l]) => html`<option value="${v}"${v === (selected ?? '') ? html` selected` : ''}>${l}</option>`)}</select>`;
}

export function dl(rows: Array<[string, Html | string | number | null | undefined]>): Html {
  return html`<dl class="facts">${rows.filter(([, v]) => v != null && v !== '').map(([k, v]) => html`<dt>${k}</dt><dd>${v}</dd>`)}</dl>`;
}

export const link = (href: string, text: string | null | undefined) => html`<a href="${href}">${text ?? href}</a>`;
export const guestHref = (id: string) => `/guest?id=${encodeURIComponent(id)}`;
export const releaseHref = (id: string) => `/release?id=${encodeURIComponent(id)}`;
export const recordHref = (id: string) => `/record?id=${encodeURIComponent(id)}`;
export const deviceHref = (id: string) => `/device?id=${encodeURIComponent(id)}`;
