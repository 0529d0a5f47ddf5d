// Builds the corral MCP App into one self-contained HTML file: view.js with
// the official @modelcontextprotocol/ext-apps App API bundled in by esbuild
// (both pinned by tests/mcp/package-lock.json), style.css inlined, and a CSP
// that allows only that inline script (by its hash) and style: no network.
//
//   node src/mcp/app/build.mjs [OUT]     (default: src/mcp/app/corral-app.html)
//
// The output is committed so the C build needs no network and no Node; the
// ctest `mcp/app-bundle` rebuilds it from `npm ci`'s node_modules and fails
// when the committed file differs.  See docs/decisions/mcp-app.md.
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const modules = join(here, '../../../tests/mcp/node_modules');
const esbuild = await import(join(modules, 'esbuild/lib/main.js'));
const out = process.argv[2] ?? join(here, 'corral-app.html');

// zod (under the SDK's schemas) exports every locale's error messages through
// a namespace that defeats tree shaking: 264 KB of the 597 KB page.  Nothing
// here selects a locale, and zod registers English itself, so the namespace
// keeps only English.  A name the bundle did import from it would fail the
// build ("No matching export"), not the page.
const englishOnly = {
  name: 'zod-english-only',
  setup(b) {
    b.onLoad({ filter: /[\\/]zod[\\/]v4[\\/]locales[\\/]index\.js$/ }, () => ({
      contents: 'export { default as en } from "./en.js";', loader: 'js',
    }));
  },
};
const built = await esbuild.build({
  entryPoints: [join(here, 'view.js')],
  bundle: true, minify: true, format: 'esm', platform: 'browser', target: 'es2022',
  nodePaths: [modules], write: false, legalComments: 'none', charset: 'utf8',
  plugins: [englishOnly],
});
// "</script" cannot appear inside the inline script.
const js = built.outputFiles[0].text.replace(/<\/script/gi, '<\\/script');
const css = readFileSync(join(here, 'style.css'), 'utf8');
const hash = createHash('sha256').update(js).digest('base64');
const csp = `default-src 'none'; script-src 'sha256-${hash}'; style-src 'unsafe-inline'; ` +
  "img-src data:; connect-src 'none'; frame-src 'none'; form-action 'none'; base-uri 'none'";
const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>corral jobs</title>
<style>${css}</style></head>
<body><div id="status" role="status"></div><main id="root"><p class="muted">Connecting…</p></main>
<script type="module">${js}</script></body></html>
`;
writeFileSync(out, html);
console.log(`${out}: ${Buffer.byteLength(html)} bytes`);
