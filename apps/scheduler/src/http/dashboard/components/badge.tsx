import { formatAge, isHttpUrl, toneOf } from '../format.js';

/** A status as colour and text: a dot (for scanning) and the word (for reading, and for colour-blind eyes). */
export function Badge({ status, id }: { status: string; id?: string }) {
  return (
    <span class={`badge tone-${toneOf(status)}`} id={id} data-status={status}>
      {status}
    </span>
  );
}

const ago = (ms: number): string => (ms < 2000 ? 'just now' : `${formatAge(ms)} ago`);

/** A "3m ago" stamp; common.js keeps it current. */
export function Age({ iso, now }: { iso: string; now: number }) {
  return (
    <time datetime={iso} title={iso} data-age="">
      {ago(now - Date.parse(iso))}
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
