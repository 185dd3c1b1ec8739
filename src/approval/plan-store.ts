import type { Redis } from 'ioredis';
import { awaitReplicas } from '../queue/replicated.js';
import type { DecideResult, PlanState, PlanStorePort, StoredPlan } from './plan-store-port.js';

export type { DecideResult, Decision, PlanState, StoredPlan } from './plan-store-port.js';

// Each decision is one atomic step: read the plan, check state, expiry and duplicates, record, write back.
const DECIDE = `local raw = redis.call('get', KEYS[1])
if not raw then return {'missing', ''} end
local p = cjson.decode(raw)
local now = tonumber(ARGV[2])
if p.state ~= 'pending' then return {'state:' .. p.state, raw} end
if now > p.expiresAt then
  p.state = 'expired'
  raw = cjson.encode(p)
  redis.call('set', KEYS[1], raw, 'KEEPTTL')
  return {'expired', raw}
end
local d = {user = ARGV[1], at = ARGV[3]}
if ARGV[4] == 'reject' then
  p.rejectedBy = d
  p.state = 'rejected'
  raw = cjson.encode(p)
  redis.call('set', KEYS[1], raw, 'KEEPTTL')
  return {'rejected', raw}
end
for _, a in ipairs(p.approvals) do
  if a.user == ARGV[1] then return {'duplicate', raw} end
end
table.insert(p.approvals, d)
local result = 'recorded'
if #p.approvals >= p.needed then
  p.state = 'approved'
  p.approvedAt = now
  result = 'approved'
  redis.call('zadd', KEYS[2], now, p.id)
end
raw = cjson.encode(p)
redis.call('set', KEYS[1], raw, 'KEEPTTL')
return {result, raw}`;

// KEYS: plan, result text (a key slot only to pass it), the index of approved plans not yet finished.
const TRANSITION = `local raw = redis.call('get', KEYS[1])
if not raw then return {'missing', ''} end
local p = cjson.decode(raw)
for i = 2, #ARGV do
  if p.state == ARGV[i] then
    p.state = ARGV[1]
    if ARGV[1] == 'executing' then p.attempts = (p.attempts or 0) + 1 end
    if ARGV[1] == 'executed' or ARGV[1] == 'failed' or ARGV[1] == 'superseded' or ARGV[1] == 'refused' then
      p.result = KEYS[2]
      redis.call('zrem', KEYS[3], p.id)
    end
    raw = cjson.encode(p)
    redis.call('set', KEYS[1], raw, 'KEEPTTL')
    return {'ok', raw}
  end
end
return {'state:' .. p.state, raw}`;

// KEYS: plan, approved index. ARGV: the approved plan (JSON), its approval time, TTL ms. Only a plan that is gone
// or pending again is put back.
const RESTORE_APPROVED = `local raw = redis.call('get', KEYS[1])
if raw then
  local p = cjson.decode(raw)
  if p.state ~= 'pending' then return 'present' end
end
redis.call('set', KEYS[1], ARGV[1], 'PX', ARGV[3])
redis.call('zadd', KEYS[2], ARGV[2], cjson.decode(ARGV[1]).id)
return 'restored'`;

/** Plans kept a day past their expiry, so that a late click is told "expired", not "unknown". */
const KEEP_AFTER_EXPIRY_MS = 24 * 3600_000;

/**
 * Plans in Redis, each a JSON document changed only by Lua scripts, so that concurrent clicks (20 approvers at
 * once, a double click, a retry) see one consistent state machine:
 * pending → approved | rejected | expired | superseded; approved → executing → executed | failed | refused.
 * Approved plans stay in an index until they finish, so that a sweeper can queue any whose job was lost.
 */
export class PlanStore implements PlanStorePort {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  private key(id: string) {
    return `${this.prefix}:plan:${id}`;
  }

  private get approvedKey() {
    return `${this.prefix}:plans:approved`;
  }

  private resourceKey(resource: string) {
    return `${this.prefix}:plan-for:${resource}`;
  }

  /** Stores a new plan; a pending plan for the same resource is superseded by it (and returned). */
  async create(plan: StoredPlan): Promise<StoredPlan | undefined> {
    const ttl = plan.expiresAt - Date.now() + KEEP_AFTER_EXPIRY_MS;
    const previous = await this.redis.getset(this.resourceKey(plan.resource), plan.id);
    await this.redis.pexpire(this.resourceKey(plan.resource), ttl);
    await this.redis.set(this.key(plan.id), JSON.stringify(plan), 'PX', ttl);
    await awaitReplicas(this.redis);
    if (!previous || previous === plan.id) return undefined;
    const old = await this.transition(
      previous,
      'superseded',
      ['pending'],
      `replaced by plan ${plan.id.slice(0, 8)}`,
    );
    return old.result === 'ok' ? old.plan : undefined;
  }

  async get(id: string): Promise<StoredPlan | undefined> {
    const raw = await this.redis.get(this.key(id));
    return raw ? (JSON.parse(raw) as StoredPlan) : undefined;
  }

  async setMessage(id: string, channel: string, ts: string): Promise<void> {
    const p = await this.get(id);
    if (!p) return;
    await this.redis.set(this.key(id), JSON.stringify({ ...p, channel, ts }), 'KEEPTTL');
  }

  async decide(
    id: string,
    user: string,
    action: 'approve' | 'reject',
    now = Date.now(),
  ): Promise<{ result: DecideResult; plan?: StoredPlan }> {
    const [result, raw] = (await this.redis.eval(
      DECIDE,
      2,
      this.key(id),
      this.approvedKey,
      user,
      String(now),
      new Date(now).toISOString(),
      action,
    )) as [DecideResult, string];
    if (result === 'approved' || result === 'recorded' || result === 'rejected')
      await awaitReplicas(this.redis);
    return { result, ...(raw ? { plan: normalise(JSON.parse(raw)) } : {}) };
  }

  /** Moves the plan to `to` if it is in one of `from`; answers `ok` or the state it was in. */
  async transition(
    id: string,
    to: PlanState,
    from: PlanState[],
    result = '',
  ): Promise<{ result: string; plan?: StoredPlan }> {
    const [r, raw] = (await this.redis.eval(
      TRANSITION,
      3,
      this.key(id),
      result,
      this.approvedKey,
      to,
      ...from,
    )) as [string, string];
    if (r === 'ok') await awaitReplicas(this.redis);
    return { result: r, ...(raw ? { plan: normalise(JSON.parse(raw)) } : {}) };
  }

  /** Ids of approved plans that have not finished, approved before `beforeMs`. */
  async approvedBefore(beforeMs: number): Promise<string[]> {
    return this.redis.zrangebyscore(this.approvedKey, '-inf', beforeMs);
  }

  async restoreApproved(plan: StoredPlan): Promise<'restored' | 'present'> {
    const ttl = Math.max(60_000, plan.expiresAt - Date.now() + KEEP_AFTER_EXPIRY_MS);
    const r = (await this.redis.eval(
      RESTORE_APPROVED,
      2,
      this.key(plan.id),
      this.approvedKey,
      JSON.stringify({ ...plan, state: 'approved' }),
      String(plan.approvedAt ?? Date.now()),
      String(ttl),
    )) as 'restored' | 'present';
    if (r === 'restored') await awaitReplicas(this.redis);
    return r;
  }

  /** Drops a finished or vanished plan from the approved index. */
  async forgetApproved(id: string): Promise<void> {
    await this.redis.zrem(this.approvedKey, id);
  }
}

/** cjson encodes an empty Lua table as `{}`: approvals is always a list. */
function normalise(p: StoredPlan): StoredPlan {
  return { ...p, approvals: Array.isArray(p.approvals) ? p.approvals : [] };
}
