import { isHttpUrl, toneOf } from '../format.js';

/** A status as colour and text: a dot (for scanning) and the word (for reading, and for colour-blind eyes). */
export function Badge({ status, id }: { status: string; id?: string }) {
  return (
    <span class={`badge tone-${toneOf(status)}`} id={id} data-status={status}>
      {status}
    </span>
  );
}

/**
 * A "3m ago" stamp. The server writes only the instant: the page alone knows when "now" is, so
 * common.js writes the words, and keeps them current. `staleMs`: older than that, it is marked stale.
 */
export function Age({ iso, staleMs }: { iso: string; staleMs?: number }) {
  return (
    <time datetime={iso} title={iso} data-age="" data-stale-ms={staleMs}>
      {iso}
    </time>
  );
}

/** A link when the URL is http(s), plain text otherwise. */
export function UrlLink({ url }: { url: string }) {
  return isHttpUrl(url) ? (
    <a class="url" href={url} target="_blank" rel="noopener noreferrer">
      {url.replace(/^https?:\/\//, '')}
    </a>
  ) : (
    <span class="url">{url}</span>
  );
}

/** URLs as links (or text), a dash when there are none. */
export function UrlList({ urls }: { urls: readonly string[] }) {
  return <>{urls.length ? urls.map((u) => <UrlLink url={u} />) : <span class="muted">—</span>}</>;
}
