#!/usr/bin/env node
// The Node side of the futex ping-pong bench, the same protocol as peer.c's ping/pong:
//   node pingpong.mjs ping|pong FILE OFFSET ROUNDS [sync|async]
// ping stores 2i+1, wakes, and sleeps until the word moves on; pong sleeps until 2i+1 and
// stores 2i+2. After WARMUP untimed rounds ping prints "ROUNDS ns-per-round-trip".
// sync: futexWait (blocks the thread); async: await futexWaitAsync (event loop running).
import { futexWait, futexWaitAsync, futexWake, openMapping } from '@mm/core';

const WARMUP = 1000;
const [mode, file, offsetText, roundsText, form = 'sync'] = process.argv.slice(2);
const offset = Number(offsetText);
const rounds = Number(roundsText);
const m = openMapping(file, { access: 'rw', offset: offset - (offset % 4096), length: 4096 });
const at = offset % 4096;
const word = new Int32Array(m.buffer, at, 1);

async function waitWhile(v) {
  while (Atomics.load(word, 0) === v) {
    if (form === 'async') await futexWaitAsync(m, at, v, { ref: true });
    else futexWait(m, at, v);
  }
}

const ping = mode === 'ping';
const total = WARMUP + rounds;
let t0 = 0n;
for (let i = 0; i < total; i++) {
  if (i === WARMUP) t0 = process.hrtime.bigint();
  if (ping) {
    Atomics.store(word, 0, 2 * i + 1);
    futexWake(m, at, 1);
    await waitWhile(2 * i + 1);
  } else {
    await waitWhile(2 * i);
    Atomics.store(word, 0, 2 * i + 2);
    futexWake(m, at, 1);
  }
}
if (ping) console.log(`${rounds} ${Math.round(Number(process.hrtime.bigint() - t0) / rounds)}`);
