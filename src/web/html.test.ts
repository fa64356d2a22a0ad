import { describe, expect, it } from 'vitest';
import { html, qs, raw } from './html.ts';

describe('html templates', () => {
  it('escapes interpolated strings, arrays included, and keeps Html as is', () => {
    const name = `<script>alert("x")</script>&'`;
    const out = html`<p title="${name}">${[name, html`<b>${'ok'}</b>`]}${raw('<i>t</i>')}${null}${false}${3}</p>`.toString();
    expect(out).toBe(
      '<p title="&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;">&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;<b>ok</b><i>t</i>3</p>',
    );
  });
  it('builds query strings from the values that are set', () => {
    expect(qs({ a: 'x y', b: '', c: null, d: 2 })).toBe('?a=x+y&d=2');
    expect(qs({})).toBe('');
  });
});
