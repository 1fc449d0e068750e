// Hash ceiling: raw argon2id verifications with the service's parameters, `concurrency` of them in
// flight at once (as many as the login scenario's connections), for `seconds`. Prints one JSON line.
//   node bench/baselines/hash-ceiling.mjs <memoryKiB> <timeCost> <parallelism> <concurrency> <seconds>
import argon2 from 'argon2';

const [memoryCost, timeCost, parallelism, concurrency, seconds] = process.argv.slice(2).map(Number);
const password = 'bench-correct-horse-battery';
const hash = await argon2.hash(password, { type: argon2.argon2id, memoryCost, timeCost, parallelism });

const started = performance.now();
const deadline = started + seconds * 1000;
let verified = 0;
async function worker() {
  while (performance.now() < deadline) {
    if (!(await argon2.verify(hash, password))) throw new Error('verification failed');
    verified += 1;
  }
}
await Promise.all(Array.from({ length: concurrency }, worker));
const elapsedSeconds = (performance.now() - started) / 1000;
console.log(JSON.stringify({ verified, elapsedSeconds, perSecond: verified / elapsedSeconds }));
