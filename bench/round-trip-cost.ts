/**
 * `node --import tsx bench/round-trip-cost.ts`: the client CPU one Redis round trip costs on
 * this machine (an ioredis GET on its own redis-server), at a steady rate and back to back.
 * The broker waits on one round trip per token before it answers; on a virtual machine a
 * lone round trip can cost several times what it costs when round trips come in a stream,
 * which is why the broker's CPU per request rises as the offered rate falls.
 */
import { Redis } from 'ioredis';
import { startRedis } from '../test/helpers/redis.js';

async function atRate(client: Redis, rate: number, count: number): Promise<void> {
  const replies: Array<Promise<unknown>> = [];
  const start = performance.now();
  let sent = 0;
  await new Promise<void>((resolve) => {
    const tick = () => {
      while (sent < count && start + (sent * 1000) / rate <= performance.now()) {
        replies.push(client.get('k'));
        sent++;
      }
      if (sent < count) setTimeout(tick, 1);
      else resolve();
    };
    tick();
  });
  await Promise.all(replies);
}

const redis = await startRedis();
try {
  for (const autoPipelining of [false, true]) {
    const client = new Redis(redis.url, { enableAutoPipelining: autoPipelining });
    await client.set('k', 'v');
    for (const rate of [400, 1500, 0]) {
      const count = rate > 0 ? rate * 4 : 20_000;
      const before = process.cpuUsage();
      if (rate > 0) await atRate(client, rate, count);
      else for (let i = 0; i < count; i++) await client.get('k');
      const used = process.cpuUsage(before);
      const label = rate > 0 ? `${rate}/s` : 'back to back';
      console.log(`auto-pipelining ${autoPipelining ? 'on ' : 'off'}  ${label.padEnd(13)} client CPU per round trip: ${Math.round((used.user + used.system) / count)} µs`);
    }
    client.disconnect();
  }
} finally {
  await redis.stop();
}
