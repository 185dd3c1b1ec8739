#!/usr/bin/env node
// The `kdr` binary: runs the compiled CLI (npm run build produces dist/).
// V8's default young generation here: the bot's acknowledgements under a burst of commands are faster with it
// (bench/slash-load.ts). The worker runs with --max-semi-space-size=4 (npm run worker; NODE_OPTIONS in the image),
// which saves about 25 MB of RSS for no loss there (bench/lag-scale.ts).
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
