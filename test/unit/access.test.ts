import { describe, expect, it } from 'vitest';
import type { SlackConfig } from '../../src/config/load.js';
import { accessRuleFor, checkAccess } from '../../src/slack/access.js';

const slack = (access: SlackConfig['access'] = {}): SlackConfig =>
  ({
    channels: { ops: 'C0OPS', incidents: 'C0INC', stakeholders: 'C0STK' },
    approvers: { users: [], usergroups: [] },
    twoPersonRule: true,
    approvalTtl: 1,
    approvalsRequired: 1,
    access,
  }) as SlackConfig;
const none = async () => [] as string[];

describe('who may run what, where (slack.access)', () => {
  it('by default: status and help anywhere; manifests and long tables only in kdr channels and DMs', async () => {
    expect(await checkAccess(slack(), 'status', 'U1', 'C0PUBLIC', none)).toEqual({ ok: true });
    const backup = await checkAccess(slack(), 'backup', 'U1', 'C0PUBLIC', none);
    expect(backup).toEqual({
      ok: false,
      reason:
        '`/kdr backup` is not run in this channel (its answers can hold manifests, principals and long tables): run it in <#C0OPS>, <#C0INC> or a direct message with kdr.',
    });
    for (const ch of ['C0OPS', 'C0INC', 'D0ALICE'])
      expect(await checkAccess(slack(), 'backup', 'U1', ch, none)).toEqual({ ok: true });
    expect((await checkAccess(slack(), 'lag', 'U1', 'C0STK', none)).ok).toBe(false);
  });

  it('per command: channels, users and user groups; the default rule for the rest', async () => {
    const s = slack({
      default: { channels: ['*'] },
      unlock: { channels: ['ops'], users: ['U0ALICE'], usergroups: ['S0SRE'] },
    });
    expect(accessRuleFor(s, 'lag').channels).toEqual(['*']);
    expect(await checkAccess(s, 'lag', 'U9', 'C0ANY', none)).toEqual({ ok: true });
    expect(await checkAccess(s, 'unlock', 'U0ALICE', 'C0OPS', none)).toEqual({ ok: true });
    expect(await checkAccess(s, 'unlock', 'U0CAROL', 'C0OPS', async () => ['U0CAROL'])).toEqual({ ok: true });
    expect(await checkAccess(s, 'unlock', 'U0BOB', 'C0OPS', none)).toEqual({
      ok: false,
      reason: '`/kdr unlock` is only for <@U0ALICE>, <!subteam^S0SRE> (slack.access): ask one of them.',
    });
    expect((await checkAccess(s, 'unlock', 'U0ALICE', 'C0ANY', none)).ok).toBe(false);
  });

  it('a user group that cannot be resolved refuses (fail closed) and says why', async () => {
    const s = slack({ backup: { usergroups: ['S0SRE'] } });
    const v = await checkAccess(s, 'backup', 'U1', 'C0OPS', async () => {
      throw new Error('missing_scope');
    });
    expect(v).toEqual({
      ok: false,
      reason:
        'kdr could not check the members of <!subteam^S0SRE> (missing_scope): nothing was run; try again shortly.',
    });
  });
});
