#!/usr/bin/env -S node --max-semi-space-size=4
// The `kdr` binary: runs the compiled CLI (npm run build produces dist/).
// --max-semi-space-size=4 (here, in npm start/worker and in the Dockerfile): kdr allocates in short bursts, and
// V8's default 16 MB semi-spaces cost about 25 MB of RSS for no speed (bench/lag-scale.ts).
// Exit only once stdout and stderr have drained: writes to a pipe are asynchronous, and process.exit() would
// cut a large --json document short.
const flushThenExit = (code) => {
  process.exitCode = code;
  process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
};
import('../dist/src/bin/cli.js')
  .then((m) => m.main(process.argv.slice(2)))
  .then(flushThenExit, (err) => {
    process.stderr.write(`kdr: ${err?.message ?? err}\n`);
    flushThenExit(1);
  });
