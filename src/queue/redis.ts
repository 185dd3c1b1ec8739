import { Redis } from 'ioredis';

/**
 * Producers (the bot) fail fast when Redis is away, so a slash command gets an answer within Slack's 3 s;
 * workers wait for Redis forever (BullMQ requires maxRetriesPerRequest: null for blocking connections).
 */
export function redisForProducer(url: string): Redis {
  return new Redis(url, {
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    connectTimeout: 1500,
    lazyConnect: false,
  });
}

export function redisForWorker(url: string): Redis {
  return new Redis(url, { maxRetriesPerRequest: null });
}
