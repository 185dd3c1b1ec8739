import type { SlackConfig } from '../config/load.js';
import type { Directory } from '../core/chat.js';

const TTL_MS = 5 * 60_000;

/**
 * Who may approve: the configured Slack user ids, and members of the configured user groups (resolved through
 * `usergroups.users.list`, cached for 5 minutes). Identity is the user id Slack signs, never a display name.
 */
export class Approvers {
  private readonly cache = new Map<string, { at: number; members: Promise<string[]> }>();

  constructor(
    private readonly cfg: SlackConfig['approvers'],
    private readonly directory: Directory,
  ) {}

  describe(): string {
    const users = this.cfg.users.map((u) => `<@${u}>`);
    const groups = this.cfg.usergroups.map((g) => `<!subteam^${g}>`);
    return [...users, ...groups].join(', ') || 'nobody (slack.approvers is empty)';
  }

  async isApprover(userId: string): Promise<boolean> {
    if (this.cfg.users.includes(userId)) return true;
    for (const g of this.cfg.usergroups) if ((await this.members(g)).includes(userId)) return true;
    return false;
  }

  private members(group: string): Promise<string[]> {
    const hit = this.cache.get(group);
    if (hit && Date.now() - hit.at < TTL_MS) return hit.members;
    const members = this.directory.usergroupMembers(group);
    this.cache.set(group, { at: Date.now(), members });
    members.catch(() => this.cache.delete(group));
    return members;
  }
}
