import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { pidAlive, portOpen, spawnDetached, stopPid, waitFor } from './processes.js';

/** The master name the sandbox's sentinels monitor. */
export const HA_MASTER = 'kdr';

export interface RedisHaPorts {
  master: number;
  replica: number;
  sentinels: [number, number, number];
}

export const HA_PORTS: RedisHaPorts = { master: 16379, replica: 16380, sentinels: [26379, 26380, 26381] };

export interface RedisHa {
  dir: string;
  ports: RedisHaPorts;
  pids: { master: number; replica: number; sentinels: number[] };
  /** For redis.sentinel in a kdr config. */
  sentinel: { sentinels: string[]; name: string };
}

const server = (dir: string, port: number, extra: string[]) => [
  '--port',
  String(port),
  // a replica's full sync writes an RDB file: into the set's own directory, not wherever kdr was started
  '--dir',
  dir,
  '--bind',
  '127.0.0.1',
  '--save',
  '',
  '--appendonly',
  'no',
  '--maxmemory-policy',
  'noeviction',
  ...extra,
];

/**
 * Redis as production runs it, from Debian's redis-server: a master, one replica and three sentinels (quorum 2,
 * master down after 1 s, so a test sees a switch within seconds). State under `dir` (sentinels rewrite their config
 * files there).
 */
export async function startRedisHa(dir: string, ports: RedisHaPorts = HA_PORTS): Promise<RedisHa> {
  mkdirSync(dir, { recursive: true });
  for (const p of [ports.master, ports.replica, ...ports.sentinels])
    if (await portOpen(p))
      throw new Error(`port ${p} is taken: stop what runs there (kdr sandbox redis-ha down)`);
  const master = spawnDetached('redis-server', server(dir, ports.master, []), join(dir, 'master.out'));
  const replica = spawnDetached(
    'redis-server',
    server(dir, ports.replica, ['--replicaof', '127.0.0.1', String(ports.master)]),
    join(dir, 'replica.out'),
  );
  await waitFor('redis master and replica', 10_000, async () =>
    (await portOpen(ports.master)) && (await portOpen(ports.replica)) ? true : undefined,
  );
  const sentinels = ports.sentinels.map((port, i) => {
    const conf = join(dir, `sentinel-${i}.conf`);
    writeFileSync(
      conf,
      [
        `port ${port}`,
        'bind 127.0.0.1',
        `dir ${dir}`,
        `sentinel monitor ${HA_MASTER} 127.0.0.1 ${ports.master} 2`,
        `sentinel down-after-milliseconds ${HA_MASTER} 1000`,
        `sentinel failover-timeout ${HA_MASTER} 5000`,
        `sentinel parallel-syncs ${HA_MASTER} 1`,
        '',
      ].join('\n'),
    );
    return spawnDetached('redis-server', [conf, '--sentinel'], join(dir, `sentinel-${i}.out`));
  });
  const ha: RedisHa = {
    dir,
    ports,
    pids: { master, replica, sentinels },
    sentinel: { sentinels: ports.sentinels.map((p) => `127.0.0.1:${p}`), name: HA_MASTER },
  };
  writeFileSync(join(dir, 'state.json'), JSON.stringify(ha, null, 2));
  await waitFor('sentinels see the master and its replica', 30_000, async () =>
    (await sentinelView(ha)).replicas >= 1 ? true : undefined,
  );
  return ha;
}

/** What the first sentinel that answers says: the master's address and how many replicas it knows. */
export async function sentinelView(ha: RedisHa): Promise<{ master: string; replicas: number }> {
  for (const port of ha.ports.sentinels) {
    const s = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0 });
    s.on('error', () => undefined);
    try {
      await s.connect();
      const addr = (await s.call('SENTINEL', 'get-master-addr-by-name', HA_MASTER)) as string[] | null;
      const replicas = (await s.call('SENTINEL', 'replicas', HA_MASTER)) as unknown[];
      if (addr) return { master: `${addr[0]}:${addr[1]}`, replicas: replicas.length };
    } catch {
      // the next sentinel
    } finally {
      s.disconnect();
    }
  }
  return { master: '', replicas: 0 };
}

/**
 * After a master was killed and the sentinels promoted the replica: the dead one's port comes back as a replica of
 * the new master (a game day's next kill needs one), once the sentinels see it and it has synced.
 */
export async function reviveAsReplica(ha: RedisHa, deadPort: number): Promise<void> {
  const view = await waitFor('a promoted master', 60_000, async () => {
    const v = await sentinelView(ha);
    return v.master && !v.master.endsWith(`:${deadPort}`) ? v : undefined;
  });
  const [host, port] = view.master.split(':');
  const pid = spawnDetached(
    'redis-server',
    server(ha.dir, deadPort, ['--replicaof', host!, port!]),
    join(ha.dir, `revived-${deadPort}-${Date.now()}.out`),
  );
  if (deadPort === ha.ports.master) ha.pids.master = pid;
  else ha.pids.replica = pid;
  writeFileSync(join(ha.dir, 'state.json'), JSON.stringify(ha, null, 2));
  // settled: the sentinels agree on a master that answers as one, with an online replica (a sentinel that saw the
  // kill late may still switch the roles once more: either way round is a settled pair)
  await waitFor('the pair settled: a master with a synced replica, seen by the sentinels', 60_000, () =>
    settled(ha),
  );
}

async function settled(ha: RedisHa): Promise<true | undefined> {
  const view = await sentinelView(ha);
  if (!view.master || view.replicas < 1) return undefined;
  if ((await mastersNamed(ha)).some((m) => m !== view.master)) return undefined;
  const r = new Redis({
    port: Number(view.master.split(':')[1]),
    host: '127.0.0.1',
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    connectTimeout: 1000,
  });
  r.on('error', () => undefined);
  try {
    await r.connect();
    const info = await r.info('replication');
    return info.includes('role:master') && /slave\d+:[^\n]*state=online/.test(info) ? true : undefined;
  } catch {
    return undefined;
  } finally {
    r.disconnect();
  }
}

/** The master each sentinel names ('' for one that does not answer). */
async function mastersNamed(ha: RedisHa): Promise<string[]> {
  return Promise.all(
    ha.ports.sentinels.map(async (port) => {
      const s = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0 });
      s.on('error', () => undefined);
      try {
        await s.connect();
        const addr = (await s.call('SENTINEL', 'get-master-addr-by-name', HA_MASTER)) as string[] | null;
        return addr ? `${addr[0]}:${addr[1]}` : '';
      } catch {
        return '';
      } finally {
        s.disconnect();
      }
    }),
  );
}

/** The port the sentinels name as master now. */
export async function masterPort(ha: RedisHa): Promise<number> {
  return Number((await sentinelView(ha)).master.split(':')[1]);
}

/** The pid serving `port` (master or replica slot). */
export const pidOn = (ha: RedisHa, port: number) =>
  port === ha.ports.master ? ha.pids.master : ha.pids.replica;

export function readRedisHa(dir: string): RedisHa | undefined {
  const f = join(dir, 'state.json');
  return existsSync(f) ? (JSON.parse(readFileSync(f, 'utf8')) as RedisHa) : undefined;
}

/** Stops every process of the set (a killed master's PID is already gone). */
export async function stopRedisHa(ha: RedisHa): Promise<void> {
  const all = [ha.pids.master, ha.pids.replica, ...ha.pids.sentinels].filter((p) => pidAlive(p));
  await Promise.all(all.map((p) => stopPid(p, 5000)));
}
