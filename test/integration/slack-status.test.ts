import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendBlockAction, sendSlashCommand } from '../../src/emulator/slash.js';
import { ClusterReader } from '../../src/kafka/cluster-reader.js';
import { findViolations } from '../../src/slack/block-limits.js';
import { createTopics, eventually, fixtureKafka, sandboxConfig, unique } from '../helpers/sandbox.js';
import { type SlackRig, startSlackRig } from '../helpers/slack.js';

let rig: SlackRig;
beforeAll(async () => {
  rig = await startSlackRig();
});
afterAll(async () => {
  await rig?.stop();
});

const slash = (text: string, extra: Partial<Parameters<typeof sendSlashCommand>[0]> = {}) =>
  sendSlashCommand({
    appUrl: rig.appUrl,
    signingSecret: rig.signingSecret,
    text,
    responseUrlBase: `${rig.emulator.url}/response`,
    ...extra,
  });

const responses = () =>
  [...rig.emulator.state.responseUrlUses.values()].flat().map((u) => JSON.stringify(u.body));
const posts = () => rig.emulator.state.calls.filter((c) => c.method === 'chat.postMessage');
const jobCount = async () => Object.values(await rig.runtime.queue!.counts()).reduce((a, b) => a + b, 0);

describe('Slack path: signed /kdr status -> ack -> BullMQ job -> worker -> chat.postMessage', () => {
  it('acknowledges a signed /kdr status with 200 and the worker posts valid Block Kit with a text fallback', async () => {
    const before = posts().length;
    const r = await slash('status', { channelId: 'C0STATUS' });
    // Bolt's watchdog answers 404 when ack() is not called within 3 s, so a 200 proves the ack was in time.
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body).text).toMatch(/^Running `\/kdr status`/);
    console.info(`signed /kdr status acknowledged in ${r.ms} ms`);

    const call = await eventually('chat.postMessage from the worker', 30_000, async () =>
      posts()
        .slice(before)
        .find((c) => c.args.channel === 'C0STATUS'),
    );
    expect(call.response.ok).toBe(true);
    expect(String(call.args.text)).toMatch(/^kdr status: 2\/2 clusters reachable; primary-to-dr OK \(/m);
    const blocks = JSON.parse(String(call.args.blocks));
    expect(findViolations(blocks)).toEqual([]);
    const shown = JSON.stringify(blocks);
    expect(shown).toContain('primary-to-dr');
    expect(shown).toContain('RUNNING');
    expect(
      rig.emulator.state.messages.some((m) => m.channel === 'C0STATUS' && m.ts === call.response.ts),
    ).toBe(true);
  });

  it('acknowledges a button kdr does not know at once and says so, doing nothing', async () => {
    const jobs = await jobCount();
    const r = await sendBlockAction({
      appUrl: rig.appUrl,
      signingSecret: rig.signingSecret,
      userId: 'U0OLD',
      channelId: 'C0STATUS',
      messageTs: '1.000001',
      actionId: 'kdr_button_from_an_older_release',
      value: 'x',
      responseUrlBase: `${rig.emulator.url}/response`,
    });
    // Bolt answers 404 after 3 s when nothing acknowledges: 200 is the acknowledgement
    expect(r.status).toBe(200);
    const said = await eventually('the answer through response_url', 10_000, async () =>
      [...rig.emulator.state.responseUrlUses.values()]
        .flat()
        .map((u) => JSON.stringify(u.body))
        .find((b) => b.includes('kdr_button_from_an_older_release')),
    );
    expect(said).toContain('kdr does not know this action');
    expect(await jobCount()).toBe(jobs);
  });

  it('an answer that cannot be posted (kdr not in the channel) reaches the person through response_url, with what to do', async () => {
    await fetch(`${rig.emulator.url}/_emulator/membership`, {
      method: 'POST',
      body: JSON.stringify({ channel: 'C0NOTIN', member: false }),
    });
    const r = await slash('status', { channelId: 'C0NOTIN' });
    expect(r.status).toBe(200);
    const said = await eventually('the answer through response_url', 30_000, async () =>
      responses().find((b) => b.includes('could not post the answer to `/kdr status`')),
    );
    expect(said).toContain('kdr is not in this channel: invite it (`/invite @kdr`)');
    expect(said).toContain('kdr status: 2/2 clusters reachable');
    expect(said).toContain('"response_type":"ephemeral"');
    expect(rig.emulator.state.messages.some((m) => m.channel === 'C0NOTIN')).toBe(false);
    const refused = rig.emulator.state.calls.find(
      (c) => c.method === 'chat.postMessage' && c.args.channel === 'C0NOTIN',
    );
    expect(refused?.response).toMatchObject({ ok: false, error: 'not_in_channel' });
  });

  it('the emulator rate-limits posts to one channel as Slack does: a burst, then 429 with Retry-After', async () => {
    const post = () =>
      fetch(`${rig.emulator.url}/api/chat.postMessage`, {
        method: 'POST',
        headers: { authorization: `Bearer ${rig.botToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ channel: 'C0BURST', text: 'x' }),
      });
    const answers: Response[] = [];
    for (let i = 0; i < 6; i++) answers.push(await post());
    expect(answers.slice(0, 5).map((a) => a.status)).toEqual([200, 200, 200, 200, 200]);
    expect(answers[5]?.status).toBe(429);
    expect(Number(answers[5]?.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(await answers[5]?.json()).toEqual({ ok: false, error: 'ratelimited' });
  });

  it('rate-limited beyond the client retries: the answer still reaches the person', async () => {
    await fetch(`${rig.emulator.url}/_emulator/faults`, {
      method: 'POST',
      // Slack answers 429 for longer than kdr's 10 s budget for one post
      body: JSON.stringify({ method: 'chat.postMessage', status: 429, retryAfter: 2, times: 1000 }),
    });
    try {
      const r = await slash('status', { channelId: 'C0LIMITED' });
      expect(r.status).toBe(200);
      const said = await eventually('the answer through response_url', 60_000, async () =>
        responses().find((b) => b.includes('could not post') && b.includes('rate-limiting')),
      );
      expect(said).toContain('kdr status: 2/2 clusters reachable');
    } finally {
      rig.emulator.state.faults = [];
    }
  });

  it('refuses a bad signature with 401 and queues nothing', async () => {
    const jobs = await jobCount();
    const r = await slash('status', { signatureOverride: `v0=${'0'.repeat(64)}` });
    expect(r.status).toBe(401);
    expect(await jobCount()).toBe(jobs);
  });

  it('refuses a correctly signed request older than 5 minutes with 401 and queues nothing', async () => {
    const jobs = await jobCount();
    const r = await slash('status', { timestamp: Math.floor(Date.now() / 1000) - 6 * 60 });
    expect(r.status).toBe(401);
    expect(await jobCount()).toBe(jobs);
  });

  it('refuses a request signed with another secret', async () => {
    const r = await slash('status', { signingSecret: 'not-the-secret' });
    expect(r.status).toBe(401);
  });

  it('answers /kdr frobnicate with usage in the ack and queues nothing', async () => {
    const jobs = await jobCount();
    const before = posts().length;
    const r = await slash('frobnicate');
    expect(r.status).toBe(200);
    const body = JSON.parse(r.body);
    expect(body.response_type).toBe('ephemeral');
    expect(body.text).toContain('unknown sub-command "frobnicate"');
    expect(body.text).toContain('status [flow] [--json]');
    expect(findViolations(body.blocks)).toEqual([]);
    await new Promise((res) => setTimeout(res, 500));
    expect(await jobCount()).toBe(jobs);
    expect(posts().length).toBe(before);
  });

  it('answers /kdr help at once, without a job', async () => {
    const jobs = await jobCount();
    const r = await slash('help status');
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body).text).toContain('kdr status [flow] [--json]');
    expect(await jobCount()).toBe(jobs);
  });

  it('answers an unknown flow with the reason, posted by the worker', async () => {
    const before = posts().length;
    const r = await slash('status nope', { channelId: 'C0NOPE' });
    expect(r.status).toBe(200);
    const call = await eventually('the refusal posted', 30_000, async () =>
      posts()
        .slice(before)
        .find((c) => c.args.channel === 'C0NOPE'),
    );
    expect(String(call.args.text)).toContain('unknown flow "nope"');
    expect(String(call.args.blocks)).toContain('known flows: primary-to-dr');
  });
});

describe('the emulator answers like Slack', () => {
  const api = (method: string, args: Record<string, unknown>, token = rig.botToken) =>
    fetch(`${rig.emulator.apiUrl}${method}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(
        Object.fromEntries(
          Object.entries(args).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]),
        ),
      ),
    }).then((r) => r.json() as Promise<Record<string, unknown>>);

  it('rejects invalid Block Kit with invalid_blocks and stores nothing', async () => {
    const stored = rig.emulator.state.messages.length;
    const tooMany = Array.from({ length: 51 }, () => ({
      type: 'section',
      text: { type: 'mrkdwn', text: 'x' },
    }));
    expect(await api('chat.postMessage', { channel: 'C0X', text: 't', blocks: tooMany })).toMatchObject({
      ok: false,
      error: 'invalid_blocks',
    });
    expect(
      await api('chat.postMessage', {
        channel: 'C0X',
        text: 't',
        blocks: [{ type: 'header', text: { type: 'plain_text', text: 'h'.repeat(151) } }],
      }),
    ).toMatchObject({ ok: false, error: 'invalid_blocks' });
    expect(rig.emulator.state.messages.length).toBe(stored);
  });

  it('checks auth, updates by channel+ts, and answers unknown methods', async () => {
    expect(await api('auth.test', {}, 'xoxb-wrong')).toMatchObject({ ok: false, error: 'invalid_auth' });
    const posted = await api('chat.postMessage', { channel: 'C0UPD', text: 'v1' });
    expect(posted).toMatchObject({ ok: true, channel: 'C0UPD' });
    expect(await api('chat.update', { channel: 'C0UPD', ts: posted.ts, text: 'v2' })).toMatchObject({
      ok: true,
    });
    expect(rig.emulator.state.messages.find((m) => m.ts === posted.ts)?.text).toBe('v2');
    expect(await api('chat.update', { channel: 'C0UPD', ts: '1.000001', text: 'v3' })).toMatchObject({
      ok: false,
      error: 'message_not_found',
    });
    expect(
      await api('chat.postEphemeral', { channel: 'C0UPD', user: 'U0ALICE', text: 'psst' }),
    ).toMatchObject({ ok: true });
    expect(await api('chat.frobnicate', {})).toMatchObject({ ok: false, error: 'unknown_method' });
  });

  it('limits a response_url to 5 uses', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++)
      statuses.push(
        (await fetch(`${rig.emulator.url}/response/abc`, { method: 'POST', body: '{"text":"x"}' })).status,
      );
    expect(statuses).toEqual([200, 200, 200, 200, 200, 404]);
  });
});

describe('large output in Slack: a summary within Block Kit limits, the full table as a file in its thread', () => {
  it('/kdr lag on a flow with many partitions posts a summary and uploads kdr-lag.txt (files.uploadV2)', async () => {
    const topic = unique('wide');
    const admin = fixtureKafka(sandboxConfig().clusters.primary!.bootstrap[0]!).admin();
    await admin.connect();
    await createTopics(admin, { topics: [{ topic, numPartitions: 24 }] });
    await admin.disconnect();
    const dr = new ClusterReader('dr', sandboxConfig().clusters.dr!);
    await eventually('mirrored', 60_000, async () =>
      (await dr.topicExists(`primary.${topic}`)) ? true : undefined,
    );
    await dr.close();
    const before = posts().length;
    const r = await slash('lag primary-to-dr', { channelId: 'C0WIDE' });
    expect(r.status).toBe(200);
    const call = await eventually('the lag summary', 60_000, async () =>
      posts()
        .slice(before)
        .find((c) => c.args.channel === 'C0WIDE'),
    );
    const blocks = JSON.parse(String(call.args.blocks));
    expect(findViolations(blocks)).toEqual([]);
    expect(JSON.stringify(blocks)).toContain('more partitions, all lagging less: see the attached file');
    const file = await eventually('the uploaded file', 30_000, async () =>
      [...rig.emulator.state.files.values()].find((f) => f.channel === 'C0WIDE'),
    );
    expect(file).toMatchObject({ filename: 'kdr-lag.txt', threadTs: call.response.ts });
    expect(file.content).toContain(`${topic}  `);
    const rows = file
      .content!.split('\n')
      .filter((l) => l.startsWith(`${topic} `) || l.startsWith(`${topic}  `));
    expect(rows.length).toBe(24);
    const methods = rig.emulator.state.calls.map((c) => c.method);
    expect(methods).toContain('files.getUploadURLExternal');
    expect(methods).toContain('files.completeUploadExternal');
  });
});
