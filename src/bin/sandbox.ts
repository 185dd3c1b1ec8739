import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { formatDuration, parseDuration } from '../core/duration.js';
import { asKdrError, KdrError, USAGE_CODES } from '../core/errors.js';
import { sandboxDown } from '../sandbox/down.js';
import { inject, SCENARIOS, undoInjections } from '../sandbox/inject.js';
import { ensureJars } from '../sandbox/jars.js';
import { sandboxLayout } from '../sandbox/layout.js';
import { pidAlive } from '../sandbox/processes.js';
import { readRedisHa, sentinelView, startRedisHa, stopRedisHa } from '../sandbox/redis-ha.js';
import { formatSandboxStatus, sandboxStatus } from '../sandbox/status.js';
import { runTraffic, stopTraffic } from '../sandbox/traffic.js';
import { trafficTruth, truthText } from '../sandbox/traffic-report.js';
import { sandboxUp } from '../sandbox/up.js';
import { waitForHeartbeats } from '../sandbox/wait-heartbeats.js';

const say = (line: string) => process.stderr.write(`sandbox: ${line}\n`);

/** `kdr sandbox up|down|status|fetch|inject|heal|traffic` */
export async function runSandbox(root: string, argv: string[]): Promise<number> {
  const layout = sandboxLayout(root);
  try {
    switch (argv[0]) {
      case 'up': {
        const r = await sandboxUp(layout, say);
        const s = sandboxStatus(layout);
        process.stdout.write(`${formatSandboxStatus(s)}\n`);
        process.stdout.write(
          `ready in ${formatDuration(r.elapsedMs)} (started: ${r.started.join(', ') || 'nothing'}; already running: ${r.reused.join(', ') || 'nothing'})\n`,
        );
        process.stdout.write(
          `kdr config for it: examples/sandbox.kdr.yaml   e.g. kdr status --config examples/sandbox.kdr.yaml\n`,
        );
        return 0;
      }
      case 'fetch':
        ensureJars(layout, say);
        process.stdout.write(`Kafka ${layout.kafkaVersion} jars in ${layout.jarsDir}\n`);
        return 0;
      case 'down':
        await sandboxDown(layout, say);
        return 0;
      case 'status': {
        const s = sandboxStatus(layout);
        process.stdout.write(
          argv.includes('--json') ? `${JSON.stringify(s, null, 2)}\n` : `${formatSandboxStatus(s)}\n`,
        );
        return 0;
      }
      case 'inject': {
        const i = await inject(layout, argv[1] ?? '');
        process.stdout.write(
          `injected ${i.scenario} at ${i.at}: ${SCENARIOS[i.scenario]}${i.pid ? ` (pid ${i.pid})` : ''}\n\`kdr sandbox heal\` undoes it\n`,
        );
        return 0;
      }
      case 'heal': {
        const began = Date.now();
        const undone = await undoInjections(layout);
        for (const u of undone) say(u);
        const r = await sandboxUp(layout, say);
        say('waiting for a heartbeat emitted after the heal to reach dr...');
        await waitForHeartbeats(layout, 120_000, began);
        process.stdout.write(
          `healed in ${formatDuration(r.elapsedMs)}: ${[...undone, ...r.started.map((c) => `${c} started`)].join('; ') || 'nothing was injected'}; a heartbeat emitted since reached dr\n`,
        );
        return 0;
      }
      case 'traffic':
        return await traffic(layout, argv.slice(1));
      case 'redis-ha':
        return await redisHa(join(layout.stateDir, 'redis-ha'), argv[1]);
      default:
        process.stderr.write(USAGE);
        return 2;
    }
  } catch (err) {
    const e = asKdrError(err, 'KDR_SANDBOX');
    process.stderr.write(`sandbox: ${e.message}\n${e.hint ? `hint: ${e.hint}\n` : ''}`);
    return USAGE_CODES.has(e.code) ? 2 : 1;
  }
}

const USAGE = `usage: kdr sandbox up|down|status|fetch [--json]
       kdr sandbox inject <${Object.keys(SCENARIOS).join('|')}>   kdr sandbox heal
       kdr sandbox traffic [--topic orders] [--cluster primary|dr] [--rate 10] [--duration 60s] [--group traffic]
       kdr sandbox traffic --report [--topic orders] [--remote primary.orders] [--json]
       kdr sandbox traffic --stop   (every running generator: the sandbox's hooks.stopProducers)
       kdr sandbox redis-ha up|down|status   (a Redis master, a replica and three sentinels for redis.sentinel)
  KAFKA_VERSION=3.9.x selects the Kafka 3.9 lane
`;

/** `sandbox redis-ha up|down|status`: Redis as production runs it, beside the sandbox's single Redis. */
async function redisHa(dir: string, action: string | undefined): Promise<number> {
  const running = readRedisHa(dir);
  const alive = running && [running.pids.replica, ...running.pids.sentinels].some((p) => pidAlive(p));
  if (action === 'up') {
    if (alive) {
      say('redis-ha is already running');
    } else {
      say('starting a Redis master, a replica and three sentinels...');
      await startRedisHa(dir);
    }
  } else if (action === 'down') {
    if (running) await stopRedisHa(running);
    process.stdout.write('redis-ha stopped\n');
    return 0;
  } else if (action !== 'status') {
    process.stderr.write(USAGE);
    return 2;
  }
  const ha = readRedisHa(dir);
  if (!ha || ![ha.pids.replica, ...ha.pids.sentinels].some((p) => pidAlive(p))) {
    process.stdout.write('redis-ha: not running (kdr sandbox redis-ha up)\n');
    return action === 'status' ? 1 : 0;
  }
  const view = await sentinelView(ha);
  process.stdout.write(
    `redis-ha: master ${view.master || 'unknown'} with ${view.replicas} replica(s), sentinels ${ha.sentinel.sentinels.join(', ')}\nkdr config: redis: { sentinel: { sentinels: ${JSON.stringify(ha.sentinel.sentinels)}, name: ${ha.sentinel.name} } }\n`,
  );
  return 0;
}

/** Numbered records with their own logs (`--report`: what those logs say, checked against both clusters). */
async function traffic(layout: ReturnType<typeof sandboxLayout>, argv: string[]): Promise<number> {
  let v: Record<string, string | boolean | undefined>;
  try {
    v = parseArgs({
      args: argv,
      options: {
        topic: { type: 'string', default: 'orders' },
        cluster: { type: 'string', default: 'primary' },
        rate: { type: 'string', default: '10' },
        duration: { type: 'string' },
        group: { type: 'string', default: 'traffic' },
        partitions: { type: 'string', default: '3' },
        report: { type: 'boolean' },
        stop: { type: 'boolean' },
        remote: { type: 'string' },
        json: { type: 'boolean' },
      },
    }).values;
  } catch (err) {
    throw new KdrError('KDR_USAGE', (err as Error).message, { hint: USAGE });
  }
  if (v.stop) {
    const pids = await stopTraffic(layout);
    process.stdout.write(
      pids.length ? `stopped traffic (pid ${pids.join(', ')})\n` : 'no traffic was running\n',
    );
    return 0;
  }
  const topic = String(v.topic);
  if (!/^[A-Za-z0-9._-]+$/.test(topic))
    throw new KdrError('KDR_USAGE', `--topic ${topic} is not a topic name`, { hint: 'e.g. --topic orders' });
  if (v.report) {
    const t = await trafficTruth(layout, topic, v.remote ? String(v.remote) : undefined);
    process.stdout.write(v.json ? `${JSON.stringify(t, null, 2)}\n` : `${truthText(t)}\n`);
    return 0;
  }
  const cluster = String(v.cluster);
  if (cluster !== 'primary' && cluster !== 'dr')
    throw new KdrError('KDR_USAGE', `--cluster ${cluster}: expected primary or dr`, { hint: USAGE });
  const rate = Number(v.rate);
  const partitions = Number(v.partitions);
  if (!Number.isFinite(rate) || rate < 0 || rate > 1000)
    throw new KdrError('KDR_USAGE', `--rate ${v.rate}: expected records per second, 0 to 1000`, {
      hint: '--rate 0 only consumes',
    });
  if (!Number.isInteger(partitions) || partitions < 1 || partitions > 64)
    throw new KdrError('KDR_USAGE', `--partitions ${v.partitions}: expected 1 to 64`, { hint: USAGE });
  const durationMs = v.duration ? parseDuration(String(v.duration)) : undefined;
  if (v.duration && durationMs === undefined)
    throw new KdrError('KDR_USAGE', `--duration ${v.duration}: expected a duration`, {
      hint: 'e.g. --duration 60s',
    });
  let stop: () => void = () => undefined;
  const stopped = new Promise<void>((r) => (stop = r));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const counts = await runTraffic(
    layout,
    { topic, cluster, group: String(v.group), rate, partitions, ...(durationMs ? { durationMs } : {}) },
    stopped,
    say,
  );
  process.stdout.write(
    `traffic stopped: ${counts.acked} acknowledged, ${counts.failed} not acknowledged, ${counts.consumed} consumed\n`,
  );
  return 0;
}
