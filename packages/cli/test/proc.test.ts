// /proc helpers: liveness, what a process is doing, its command line.
import { describe, it, expect } from 'vitest';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { processActivity, processAlive, processCommandLine } from '../src/index.js';

describe('processAlive', () => {
  it('is true for a running process, false for a zombie nobody reaped', async () => {
    expect(processAlive(process.pid)).toBe(true);
    // sh forks a short sleep, then becomes `sleep 3`, which never waits for it: a zombie.
    const child = spawn('sh', ['-c', 'sleep 0.05 & echo $!; exec sleep 3'], { stdio: ['ignore', 'pipe', 'ignore'] });
    const pid = Number(await new Promise<string>((resolve) => child.stdout.once('data', (d: Buffer) => resolve(d.toString()))));
    await new Promise((r) => setTimeout(r, 300));
    expect(readFileSync(`/proc/${pid}/stat`, 'latin1')).toMatch(/\) Z /);
    expect(processAlive(pid)).toBe(false);
    child.kill();
    await new Promise((r) => child.once('exit', r));
    expect(processAlive(pid)).toBe(false);
  });
});

describe('processActivity and processCommandLine', () => {
  it('tell what a live process does and how it was started; nothing once it is gone', async () => {
    const child = spawn('sleep', ['30'], { stdio: 'ignore' });
    await new Promise((r) => setTimeout(r, 200));
    const pid = child.pid!;
    expect(processActivity(pid)?.state).toMatch(/^S \(sleeping\)$/);
    expect(processCommandLine(pid)).toBe('sleep 30');
    child.kill();
    await new Promise((r) => child.once('exit', r));
    expect(processActivity(pid)).toBeNull();
    expect(processCommandLine(pid)).toBe('');
  });
});
