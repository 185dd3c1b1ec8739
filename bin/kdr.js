#!/usr/bin/env node
// The `kdr` binary: runs the compiled CLI (npm run build produces dist/).
import('../dist/src/bin/cli.js')
  .then((m) => m.main(process.argv.slice(2)))
  .then(
    (code) => process.exit(code),
    (err) => {
      process.stderr.write(`kdr: ${err?.message ?? err}\n`);
      process.exit(1);
    },
  );
