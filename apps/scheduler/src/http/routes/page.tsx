import type { Child } from 'hono/jsx';

const css = `
:root { color-scheme: light dark; --bg:#fff; --fg:#1b1f24; --muted:#667; --line:#dde; --accent:#2456d6; --bad:#c62828; --good:#2e7d32; }
@media (prefers-color-scheme: dark) { :root { --bg:#111418; --fg:#e6e8eb; --muted:#99a; --line:#2a2f36; --accent:#7aa2ff; --bad:#ff6b6b; --good:#66bb6a; } }
body { font: 15px/1.45 system-ui, sans-serif; margin: 0; background: var(--bg); color: var(--fg); }
main { max-width: 1100px; margin: 0 auto; padding: 1.5rem; } main.narrow { max-width: 360px; margin-top: 10vh; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0 1.5rem; } th, td { text-align: left; padding: .4rem .5rem; border-bottom: 1px solid var(--line); }
th { color: var(--muted); font-weight: 600; font-size: .85rem; } a { color: var(--accent); }
input, button { font: inherit; padding: .4rem .6rem; border: 1px solid var(--line); border-radius: 6px; background: var(--bg); color: var(--fg); }
button { cursor: pointer; } label { display: block; margin: .5rem 0 .25rem; } form input { width: 100%; box-sizing: border-box; } form button { margin-top: .75rem; }
pre { background: rgba(127,127,127,.1); padding: .75rem; overflow: auto; max-height: 50vh; white-space: pre-wrap; word-break: break-all; }
.error { color: var(--bad); } .hint { color: var(--muted); font-size: .85rem; } .status-running { color: var(--good); } .status-failed { color: var(--bad); }
`;

/** The shell of every page: one stylesheet, light and dark. */
export function Page(props: { title: string; children?: Child }) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{props.title}</title>
        <style>{css}</style>
      </head>
      <body>{props.children}</body>
    </html>
  );
}
