import { z } from 'zod';
import type { Block, CommandSpec } from '../src/core/command.js';

const args = z.object({
  positionals: z.array(z.string()).max(1, 'expected at most one sub-command'),
  json: z.boolean().optional(),
});

export const help: CommandSpec<z.infer<typeof args>, { text: string }> = {
  name: 'help',
  summary: 'usage and examples',
  usage: 'help [sub-command]',
  examples: ['help', 'help status'],
  options: {},
  args,
  mutates: false,
  immediate: true,
  run: async (ctx, a) => ({ text: ctx.registry?.usage(a.positionals[0]) ?? '' }),
  view: {
    summary: () => 'kdr help',
    text: (d) => d.text,
    blocks: (d): Block[] => [{ type: 'section', text: { type: 'mrkdwn', text: `\`\`\`${d.text}\`\`\`` } }],
  },
};
