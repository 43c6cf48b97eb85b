import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { HonoAdapter } from '@bull-board/hono';
import { serveStatic } from '@hono/node-server/serve-static';
import type { Hono } from 'hono';
import type { Queues } from '../queues.js';

export const BULL_BOARD_PATH = '/admin/queues';

export interface BullBoard {
  app: Hono;
  /** Shows an agent's deploy queue (agents join at any time). */
  showAgent(agentId: string): void;
}

/**
 * Bull Board (the official Hono adapter) on the build, placement and status queues and every agent's
 * deploy queue. It sits behind the same login as the dashboard: the app's token middleware runs first.
 */
export function createBullBoardApp(queues: Queues): BullBoard {
  const serverAdapter = new HonoAdapter(serveStatic);
  serverAdapter.setBasePath(BULL_BOARD_PATH);
  const shown = new Set<string>();
  const board = createBullBoard({
    queues: queues.all().map((q) => {
      shown.add(q.name);
      return new BullMQAdapter(q);
    }),
    serverAdapter,
    options: { uiConfig: { boardTitle: 'DRaaS queues' } },
  });
  return {
    app: serverAdapter.registerPlugin(),
    showAgent(agentId) {
      const queue = queues.deploy(agentId);
      if (shown.has(queue.name)) return;
      shown.add(queue.name);
      board.addQueue(new BullMQAdapter(queue));
    },
  };
}
