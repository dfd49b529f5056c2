// Preloaded with `node -r` into a measured process: writes its peak RSS (bytes) to $PUNCH_BENCH_RSS at exit.
process.on('exit', () => {
  require('node:fs').writeFileSync(process.env.PUNCH_BENCH_RSS, String(process.resourceUsage().maxRSS * 1024));
});
