import { z } from 'zod';

export const COMMAND_QUEUE = 'kdr-commands';

/** A command typed in Slack, run by the worker. The same schema validates on both sides; no secrets in it. */
export const commandJobSchema = z.object({
  requestId: z.string().min(1),
  text: z.string().max(2000),
  userId: z.string().min(1),
  channelId: z.string().min(1),
  teamId: z.string().optional(),
  requestedAt: z.string(),
});

export type CommandJob = z.infer<typeof commandJobSchema>;

export interface CommandJobResult {
  kind: 'ok' | 'usage' | 'error';
  summary: string;
  postedTs?: string;
  channel: string;
  /** The Slack error that kept the answer out of the channel (it went to the person through response_url). */
  undelivered?: string;
}
