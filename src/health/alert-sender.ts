import type { Poster } from '../core/chat.js';
import type { Logger } from '../core/logger.js';
import type { HealthStore } from './health-store.js';

/** Posts every pending alert to the ops channel, once, in order. Safe to run after a crash. */
export async function drainAlerts(
  store: HealthStore,
  poster: Poster,
  channel: string | undefined,
  log: Logger,
): Promise<number> {
  let sent = 0;
  for (const a of await store.pendingAlerts()) {
    if (await store.wasSent(a.id)) {
      await store.drop(a);
      continue;
    }
    if (!channel) {
      log.warn(
        { alert: a.kind, flow: a.flow, text: a.text },
        'alert not posted: no slack.channels.ops configured',
      );
      await store.markSent(a, 'not-posted');
      continue;
    }
    const posted = await poster.postMessage(channel, {
      text: a.text,
      blocks: [
        { type: 'section', text: { type: 'mrkdwn', text: a.text } },
        {
          type: 'context',
          elements: [{ type: 'mrkdwn', text: `kdr lag check · ${a.at} · alert ${a.id.slice(0, 8)}` }],
        },
      ],
    });
    await store.markSent(a, posted.ts);
    sent++;
  }
  return sent;
}
