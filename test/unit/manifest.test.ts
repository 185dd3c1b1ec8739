import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { COMMANDS } from '../../commands/index.js';

const manifest = parse(readFileSync(resolve(import.meta.dirname, '../../slack/manifest.yml'), 'utf8'));

describe('slack/manifest.yml', () => {
  it('declares /kdr, interactivity, Socket Mode and the scopes of every Web API method kdr calls', () => {
    expect(manifest.features.slash_commands.map((c: { command: string }) => c.command)).toEqual(['/kdr']);
    expect(manifest.settings.interactivity.is_enabled).toBe(true);
    expect(manifest.settings.socket_mode_enabled).toBe(true);
    expect(manifest.oauth_config.scopes.bot.sort()).toEqual([
      'chat:write',
      'commands',
      'files:write',
      'usergroups:read',
      'users:read',
    ]);
  });
  it('its usage hint names only sub-commands that exist, within Slack limits', () => {
    const hint: string = manifest.features.slash_commands[0].usage_hint;
    const names = COMMANDS.map((c) => c.name);
    for (const word of hint.split('|').map((w) => w.trim().split(' ')[0]!)) expect(names).toContain(word);
    expect(hint.length).toBeLessThanOrEqual(100);
    expect(manifest.features.slash_commands[0].description.length).toBeLessThanOrEqual(100);
  });
});
