// The seed of a generated (fast-check) suite: random per run unless DOCKGATE_FUZZ_SEED fixes it, and
// always printed, so that any failure can be replayed exactly: DOCKGATE_FUZZ_SEED=<seed> node --import tsx --test FILE.

export const FUZZ_SEED_VARIABLE = 'DOCKGATE_FUZZ_SEED';

/** The seed for this run, printed once on stderr. */
export function fuzzSeed(): number {
  const given = process.env[FUZZ_SEED_VARIABLE];
  let seed: number;
  if (given !== undefined && given !== '') {
    seed = Number(given);
    if (!Number.isSafeInteger(seed)) throw new Error(`${FUZZ_SEED_VARIABLE}=${given}: expected an integer`);
  } else {
    seed = Math.floor(Math.random() * 2 ** 31);
  }
  console.error(`fuzz seed: ${seed} (replay with ${FUZZ_SEED_VARIABLE}=${seed})`);
  return seed;
}

/** Prefixes a failure of a seeded run with how to replay it. */
export function withReplayHint(error: unknown, seed: number): Error {
  const message = error instanceof Error ? error.message : String(error);
  const replay = new Error(`replay with ${FUZZ_SEED_VARIABLE}=${seed}\n${message}`);
  if (error instanceof Error && error.stack !== undefined) replay.stack = `${replay.message}\n${error.stack.split('\n').slice(1).join('\n')}`;
  return replay;
}
