import type { Child } from 'hono/jsx';
import { BULL_BOARD_PATH } from '../../bull-board.js';
import { Page } from '../../routes/page.js';

export type Section = 'overview' | 'new' | 'deployment' | 'app' | 'none';

export interface LayoutProps {
  title: string;
  section: Section;
  scripts?: readonly string[];
  data?: Record<string, string>;
  /** When the page was rendered (ms), for pages with ages: common.js measures them on the server's clock. */
  now?: number;
  children?: Child;
}

/** The text of a page's <title>; the deployment page's fragment sends it again as its status changes. */
export const pageTitle = (title: string): string => `${title} · DRaaS`;

/** Every page's scripts: the contracts' formatters (generated, see assets.ts), then the shared helpers. */
const BASE_SCRIPTS = ['formatters.js', 'common.js'];

/** Every dashboard page: the header with navigation and the live-connection indicator, then the page. */
export function Layout({ title, section, scripts = [], data = {}, now, children }: LayoutProps) {
  const current = (s: Section) => (s === section ? { 'aria-current': 'page' as const } : {});
  const bodyData = now === undefined ? data : { ...data, 'server-time': String(now) };
  return (
    <Page title={pageTitle(title)} scripts={[...BASE_SCRIPTS, ...scripts]} data={bodyData}>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="topbar">
        <a class="brand" href="/dashboard">
          <span class="brand-mark" aria-hidden="true"></span>DRaaS
        </a>
        <nav aria-label="Main">
          <a href="/dashboard" {...current('overview')}>
            Overview
          </a>
          <a href="/dashboard/new" {...current('new')}>
            New deployment
          </a>
          <a href={BULL_BOARD_PATH}>Queues</a>
        </nav>
        <span id="live" class="live" data-state="idle" role="status" aria-live="polite"></span>
      </header>
      <main id="main" tabindex={-1}>
        {children}
      </main>
      <div id="toasts" class="toasts" role="status" aria-live="polite"></div>
      <ConfirmDialog />
    </Page>
  );
}

/** One modal confirmation for every destructive action; common.js fills in the words. */
function ConfirmDialog() {
  return (
    <dialog id="confirm-dialog" class="dialog" aria-labelledby="confirm-title" aria-describedby="confirm-body">
      <form method="dialog">
        <h2 id="confirm-title"></h2>
        <p id="confirm-body"></p>
        <div id="confirm-extra"></div>
        <div class="dialog-actions">
          <button class="btn" value="no" type="submit" autofocus>
            Keep it
          </button>
          <button id="confirm-yes" class="btn danger" value="yes" type="submit"></button>
        </div>
      </form>
    </dialog>
  );
}
