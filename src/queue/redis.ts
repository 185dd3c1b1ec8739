import { Redis, type RedisOptions } from 'ioredis';

/** Sentinel-managed Redis (redis.sentinel in the config): the master found through the sentinels, followed over a switch. */
export interface SentinelTarget {
  /** host:port of each sentinel. */
  sentinels: string[];
  /** The master's name as the sentinels know it. */
  name: string;
  username?: string;
  password?: string;
  sentinelUsername?: string;
  sentinelPassword?: string;
  /** TLS to the master and replicas and to the sentinels. */
  tls?: boolean;
}

/** Where kdr's state lives: a redis:// URL, or a master behind sentinels. */
export type RedisTarget = string | { url?: string; sentinel?: SentinelTarget };

function hostPort(s: string): { host: string; port: number } {
  const i = s.lastIndexOf(':');
  return { host: s.slice(0, i), port: Number(s.slice(i + 1)) };
}

/**
 * One ioredis client for the target, with the given behaviour options. Its connection errors (refused while a master
 * switches, reset when one dies) reach the commands that needed it, which report them; the client-level event is
 * listened to so that ioredis does not print each reconnect attempt as an unhandled error.
 */
function open(target: RedisTarget, opts: RedisOptions): Redis {
  const client = connect(target, opts);
  client.on('error', () => undefined);
  return client;
}

function connect(target: RedisTarget, opts: RedisOptions): Redis {
  const t = typeof target === 'string' ? { url: target } : target;
  if (t.sentinel) {
    const s = t.sentinel;
    return new Redis({
      ...opts,
      sentinels: s.sentinels.map(hostPort),
      name: s.name,
      ...(s.username ? { username: s.username } : {}),
      ...(s.password ? { password: s.password } : {}),
      ...(s.sentinelUsername ? { sentinelUsername: s.sentinelUsername } : {}),
      ...(s.sentinelPassword ? { sentinelPassword: s.sentinelPassword } : {}),
      ...(s.tls ? { tls: {}, enableTLSForSentinelMode: true, sentinelTLS: {} } : {}),
      // a master switch is heard from the sentinels at once, not only when the old master stops answering
      failoverDetector: true,
    });
  }
  return new Redis(t.url ?? 'redis://127.0.0.1:6379', opts);
}

/**
 * Producers (the bot) fail fast when Redis is away, so a slash command gets an answer within Slack's 3 s;
 * workers wait for Redis forever (BullMQ requires maxRetriesPerRequest: null for blocking connections).
 */
export function redisForProducer(target: RedisTarget): Redis {
  return open(target, {
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    connectTimeout: 1500,
    lazyConnect: false,
  });
}

export function redisForWorker(target: RedisTarget): Redis {
  return open(target, { maxRetriesPerRequest: null });
}

/** What to name in a message: host:port of a URL (it may carry a password) or the sentinel master's name. */
export function describeTarget(target: RedisTarget): string {
  const t = typeof target === 'string' ? { url: target } : target;
  if (t.sentinel) return `master "${t.sentinel.name}" via sentinels ${t.sentinel.sentinels.join(', ')}`;
  try {
    const u = new URL(t.url ?? '');
    return `${u.hostname}:${u.port || 6379}`;
  } catch {
    return 'the configured URL';
  }
}
