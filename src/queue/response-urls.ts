import type { Redis } from 'ioredis';

/**
 * A slash command's `response_url`, kept beside its job rather than in it (it lets anyone who holds it post into the
 * conversation for 30 minutes, so it stays out of job data, logs and the audit trail), for as long as Slack honours it.
 */
const TTL_S = 30 * 60;

const keyOf = (prefix: string, requestId: string) => `${prefix}:respond:${requestId}`;

export const saveResponseUrls = async (
  redis: Redis,
  prefix: string,
  urls: Array<{ requestId: string; url: string }>,
): Promise<void> => {
  if (urls.length === 0) return;
  const p = redis.pipeline();
  for (const u of urls) p.set(keyOf(prefix, u.requestId), u.url, 'EX', TTL_S);
  await p.exec();
};

export const responseUrlOf = (redis: Redis, prefix: string, requestId: string): Promise<string | null> =>
  redis.get(keyOf(prefix, requestId));

/**
 * A command's answer, once posted, kept for as long as its response_url: a job run again after its worker died
 * (BullMQ's stall detection) finds it and does not post a second answer.
 */
const answeredKey = (prefix: string, requestId: string) => `${prefix}:answered:${requestId}`;

export const markAnswered = async (redis: Redis, prefix: string, requestId: string, result: unknown) => {
  await redis.set(answeredKey(prefix, requestId), JSON.stringify(result), 'EX', TTL_S);
};

export const answeredBefore = async <T>(
  redis: Redis,
  prefix: string,
  requestId: string,
): Promise<T | undefined> => {
  const raw = await redis.get(answeredKey(prefix, requestId));
  return raw ? (JSON.parse(raw) as T) : undefined;
};
