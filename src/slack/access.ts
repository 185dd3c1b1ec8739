import type { SlackConfig } from '../config/load.js';

/** Who may run a command, and where (Slack only: the terminal is the break-glass path). */
export interface AccessRule {
  /** Channel ids, `ops` / `incidents` / `stakeholders` (the configured channels), `dm` (direct messages), `*`. */
  channels: string[];
  /** When either list is non-empty, only these users and members of these user groups. */
  users: string[];
  usergroups: string[];
}

/** Commands whose answers are short and public by nature; everything else stays in kdr's channels and DMs. */
const ANYWHERE = new Set(['help', 'status']);
const KDR_CHANNELS = ['ops', 'incidents', 'dm'];

/** The rule for a command: `slack.access.<command>`, else `slack.access.default`, else the built-in default. */
export function accessRuleFor(slack: SlackConfig | undefined, command: string): AccessRule {
  const own = slack?.access?.[command] ?? slack?.access?.default;
  return {
    channels: own?.channels ?? (ANYWHERE.has(command) ? ['*'] : KDR_CHANNELS),
    users: own?.users ?? [],
    usergroups: own?.usergroups ?? [],
  };
}

const channelMatches = (slack: SlackConfig | undefined, token: string, channel: string): boolean => {
  if (token === '*') return true;
  if (token === 'dm') return channel.startsWith('D');
  if (token === 'ops' || token === 'incidents' || token === 'stakeholders')
    return slack?.channels[token] === channel;
  return token === channel;
};

/** Where a rule allows it, in words Slack renders: `<#C0OPS>, <#C0INC> or a direct message with kdr`. */
export function placesOf(slack: SlackConfig | undefined, rule: AccessRule): string {
  const out: string[] = [];
  for (const t of rule.channels) {
    if (t === '*') return 'any channel';
    if (t === 'dm') continue;
    const id = t === 'ops' || t === 'incidents' || t === 'stakeholders' ? slack?.channels[t] : t;
    if (id) out.push(`<#${id}>`);
  }
  if (rule.channels.includes('dm')) out.push('a direct message with kdr');
  return out.length > 1
    ? `${out.slice(0, -1).join(', ')} or ${out.at(-1)}`
    : (out[0] ?? 'nowhere (slack.access)');
}

export type AccessVerdict = { ok: true } | { ok: false; reason: string };

/**
 * Whether `user` may run `command` in `channel`. User groups are resolved by `membersOf` (cached by the caller);
 * a group that cannot be resolved refuses (fail closed) and says so.
 */
export async function checkAccess(
  slack: SlackConfig | undefined,
  command: string,
  user: string,
  channel: string,
  membersOf: (usergroup: string) => Promise<string[]>,
): Promise<AccessVerdict> {
  const rule = accessRuleFor(slack, command);
  if (!rule.channels.some((t) => channelMatches(slack, t, channel)))
    return {
      ok: false,
      reason: `\`/kdr ${command}\` is not run in this channel${ANYWHERE.has(command) ? '' : ' (its answers can hold manifests, principals and long tables)'}: run it in ${placesOf(slack, rule)}.`,
    };
  if (rule.users.length === 0 && rule.usergroups.length === 0) return { ok: true };
  if (rule.users.includes(user)) return { ok: true };
  for (const g of rule.usergroups) {
    let members: string[];
    try {
      members = await membersOf(g);
    } catch (err) {
      return {
        ok: false,
        reason: `kdr could not check the members of <!subteam^${g}> (${(err as Error).message}): nothing was run; try again shortly.`,
      };
    }
    if (members.includes(user)) return { ok: true };
  }
  const who = [...rule.users.map((u) => `<@${u}>`), ...rule.usergroups.map((g) => `<!subteam^${g}>`)].join(
    ', ',
  );
  return { ok: false, reason: `\`/kdr ${command}\` is only for ${who} (slack.access): ask one of them.` };
}
