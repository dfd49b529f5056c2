// punch's version: package.json's, put in by the bundler (scripts/bundle.mjs); `dev` when run unbundled.
declare const PUNCH_VERSION: string;

export const VERSION: string = typeof PUNCH_VERSION === 'string' ? PUNCH_VERSION : 'dev';
