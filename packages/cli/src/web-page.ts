// The HTML page both web modes serve: live mode (`loop run --ui web`, the page streams patches
// from the `loop` process) and in-browser mode (`loop pack --web`, the page runs the app). One
// `<main id="app">` container (node id 0), neutral styles, and one module script.

/** Neutral styles: readable defaults for plain HTML (the examples use no stylesheet of their own). */
export const BASE_CSS = `:root { color-scheme: light; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; }
body { margin: 0; background: #f4f5f8; color: #1d2330; }
#app { max-width: 34rem; margin: 2.5rem auto; padding: 1.5rem 2rem; background: #fff;
  border-radius: 12px; box-shadow: 0 1px 3px rgb(0 0 0 / 8%), 0 8px 24px rgb(0 0 0 / 6%); }
h1 { font-size: 1.6rem; margin: 0 0 1rem; }
button { font: inherit; padding: .3rem .8rem; margin: .15rem; border: 1px solid #c5cbd6;
  border-radius: 6px; background: #fff; color: inherit; cursor: pointer; }
button:hover { background: #eef1f6; }
input { font: inherit; padding: .3rem .6rem; margin: .15rem; border: 1px solid #c5cbd6; border-radius: 6px; }
ul { list-style: none; padding: 0; margin: 1rem 0; }
li { display: flex; gap: .5rem; align-items: center; padding: .25rem 0; border-bottom: 1px solid #eceef2; }
li > span { flex: 1; }
.done > span { text-decoration: line-through; color: #8a93a3; }
.counter { display: flex; flex-wrap: wrap; align-items: center; gap: .5rem; }
.counter h1 { flex-basis: 100%; }
.counter span { min-width: 3ch; text-align: center; font-size: 1.4rem; font-variant-numeric: tabular-nums; }
#loop-status { position: fixed; top: 0; left: 0; right: 0; padding: .4rem 1rem; font-size: .9rem; }
#loop-status.loop-offline { background: #fff4d6; color: #6b4e00; }
#loop-status.loop-error { top: auto; bottom: 0; max-height: 40vh; overflow: auto; margin: 0;
  background: #ffe1e0; color: #8a1c17; white-space: pre-wrap; font-family: ui-monospace, monospace; }
`;

export interface PageOptions {
  /** The document's title. */
  title: string;
  /** URL of the module script (relative to the page). */
  script: string;
  /** A Content-Security-Policy for a `<meta>` tag (a server can send the header instead). */
  csp?: string;
}

const escapeHtml = (s: string) =>
  s.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c] ?? c);

/** The page: an empty `#app` container and the module script that fills it. */
export function pageHtml(options: PageOptions): string {
  const csp =
    options.csp === undefined
      ? ""
      : `\n<meta http-equiv="Content-Security-Policy" content="${escapeHtml(options.csp)}">`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">${csp}
<link rel="icon" href="data:,">
<title>${escapeHtml(options.title)}</title>
<style>
${BASE_CSS}</style>
</head>
<body>
<main id="app"></main>
<script type="module" src="${escapeHtml(options.script)}"></script>
</body>
</html>
`;
}

/**
 * The page's Content-Security-Policy: scripts from the page's own origin only (no inline code,
 * so an `on*` attribute could not run even if the renderer let one through), wasm compilation
 * allowed, inline styles allowed (components may set `style`), nothing framed or posted.
 */
export function pageCsp(extraConnect = ""): string {
  return [
    "default-src 'self'",
    "script-src 'self' 'wasm-unsafe-eval'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    `connect-src 'self'${extraConnect ? ` ${extraConnect}` : ""}`,
    "object-src 'none'",
    "frame-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
  ].join("; ");
}
