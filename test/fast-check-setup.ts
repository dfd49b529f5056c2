// Property tests explore new inputs on every developer run, but CI must judge a submission the same
// way twice: with CI set, fast-check uses a fixed seed (override with PUNCH_FC_SEED to replay one).
import fc from 'fast-check';

const seed = process.env.PUNCH_FC_SEED ?? (process.env.CI ? '20261124' : undefined);
if (seed !== undefined) fc.configureGlobal({ seed: Number(seed) });
