import { describe, expect, it } from 'vitest';
import { Coalescer } from '../../src/queue/coalesce.js';

describe('coalescing identical read-only commands', () => {
  it('shares one run among requests within the window, runs again after it, never shares a failure', async () => {
    const c = new Coalescer<number>(2000);
    let runs = 0;
    const work = async () => ++runs;
    const same = await Promise.all([
      c.run('status', work, 0),
      c.run('status', work, 500),
      c.run('status', work, 1999),
    ]);
    expect(same).toEqual([1, 1, 1]);
    expect(await c.run('lag', work, 1000)).toBe(2);
    expect(await c.run('status', work, 2000)).toBe(3);
    await expect(c.run('bad', async () => Promise.reject(new Error('x')), 3000)).rejects.toThrow('x');
    await new Promise((r) => setTimeout(r, 0));
    expect(await c.run('bad', work, 3001)).toBe(4);
    expect(await new Coalescer<number>(0).run('status', work)).toBe(5);
  });
});
