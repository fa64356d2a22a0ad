// GraphiQL served entirely by the service, so /graphql works on a host without internet.
//
// graphql-yoga's built-in page loads GraphiQL's scripts from a public CDN (offline it stays at
// "Loading ..."). @graphql-yoga/render-graphiql ships the same GraphiQL prebuilt, but its own
// renderer inlines all ~9 MB (script, styles, Monaco workers, favicon) into every HTML response.
// Here the page is small and names the package's assets by URL; the assets are served from
// memory under GRAPHIQL_ASSETS with a long cache lifetime, their URLs carrying the package's
// version so an upgrade is never served from a stale cache. The 9 MB module is imported on the
// first asset request, not at start.
import { createRequire } from 'node:module';
import express from 'express';
import type { GraphiQLOptions } from 'graphql-yoga';

/** Where the assets are mounted, relative to the site root; the page refers to them relatively. */
export const GRAPHIQL_ASSETS = '/graphiql-assets';

const VERSION: string = (createRequire(import.meta.url)('@graphql-yoga/render-graphiql/package.json') as { version: string }).version;

type Assets = typeof import('@graphql-yoga/render-graphiql/graphiql');

interface Asset {
  type: string;
  body: (a: Assets) => Buffer;
}

/** name → content type and how to get the bytes from the package's module. */
const ASSETS: Record<string, Asset> = {
  'graphiql.js': { type: 'text/javascript; charset=utf-8', body: (a) => Buffer.from(a.js) },
  'graphiql.css': { type: 'text/css; charset=utf-8', body: (a) => Buffer.from(a.css) },
  'editor.worker.js': { type: 'text/javascript; charset=utf-8', body: (a) => Buffer.from(a.editorWorkerService) },
  'json.worker.js': { type: 'text/javascript; charset=utf-8', body: (a) => Buffer.from(a.jsonWorker) },
  'graphql.worker.js': { type: 'text/javascript; charset=utf-8', body: (a) => Buffer.from(a.graphqlWorker) },
  'favicon.ico': { type: 'image/x-icon', body: (a) => Buffer.from(a.favicon.replace(/^data:[^,]*;base64,/, ''), 'base64') },
};

let loaded: Promise<Map<string, Buffer>> | undefined;

function loadAssets(): Promise<Map<string, Buffer>> {
  loaded ??= import('@graphql-yoga/render-graphiql/graphiql').then(
    (a) => new Map(Object.entries(ASSETS).map(([name, asset]) => [name, asset.body(a)])),
    (err: unknown) => {
      loaded = undefined;
      throw err;
    },
  );
  return loaded;
}

/** Serves the GraphiQL assets; mount it at GRAPHIQL_ASSETS. */
export function graphiqlAssets(): express.Router {
  const router = express.Router();
  router.get('/:version/:name', async (req, res, next) => {
    const { version, name } = req.params;
    const asset = Object.hasOwn(ASSETS, name) ? ASSETS[name] : undefined;
    if (!asset) {
      next();
      return;
    }
    try {
      const body = (await loadAssets()).get(name);
      if (!body) {
        next();
        return;
      }
      res.type(asset.type);
      // A versioned URL never changes content; an old version's URL gets the current file, uncached.
      res.set('cache-control', version === VERSION ? 'public, max-age=31536000, immutable' : 'no-cache');
      res.send(body);
    } catch (err) {
      next(err);
    }
  });
  return router;
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
/** JSON inside <script>: no `</script>` or `<!--` can end or change the script. */
const scriptJson = (v: unknown) => JSON.stringify(v).replace(/</g, '\\u003c');

/**
 * The GraphiQL page for yoga's `renderGraphiQL` option: the package's own template, with each
 * asset loaded from the service instead of inlined. The page is served at the GraphQL endpoint
 * (/graphql), so the relative asset URLs resolve beside it, also behind a path prefix.
 */
export function renderGraphiQL(opts: GraphiQLOptions = {}): string {
  const base = `.${GRAPHIQL_ASSETS}/${VERSION}`;
  const title = escapeHtml(opts.title || 'GraphiQL');
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <title>${title}</title>
    <link rel="icon" href="${base}/favicon.ico" />
    <link rel="stylesheet" href="${base}/graphiql.css" />
  </head>
  <body id="body" class="no-focus-outline">
    <noscript>You need to enable JavaScript to run this app.</noscript>
    <div id="root"></div>
    <script>
      self.MonacoEnvironment = {
        globalAPI: false,
        getWorkerUrl: function (_moduleId, label) {
          var file = label === 'json' || label === 'graphql' ? label + '.worker.js' : 'editor.worker.js';
          return new URL(${scriptJson(base)} + '/' + file, document.baseURI).href;
        },
      };
    </script>
    <script src="${base}/graphiql.js"></script>
    <script>
      YogaGraphiQL.renderYogaGraphiQL(document.querySelector('#root'), ${scriptJson(opts)});
    </script>
  </body>
</html>
`;
}
