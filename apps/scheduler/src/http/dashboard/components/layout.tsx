import type { Child } from 'hono/jsx';
import { BULL_BOARD_PATH } from '../../bull-board.js';
import { Page } from '../../routes/page.js';

export type Section = 'overview' | 'new' | 'deployment' | 'none';

export interface LayoutProps {
  title: string;
  section: Section;
  scripts?: readonly string[];
  data?: Record<string, string>;
  children?: Child;
}

/** Every dashboard page: the header with navigation and the live-connection indicator, then the page. */
export function Layout({ title, section, scripts = [], data, children }: LayoutProps) {
  const current = (s: Section) => (s === section ? { 'aria-current': 'page' as const } : {});
  return (
    <Page title={`${title} · DRaaS`} scripts={['common.js', ...scripts]} data={data}>
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
