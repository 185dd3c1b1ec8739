import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { runReportJsonSchema } from '../src/runbook/report-schema.js';

/** `npm run schemas`: writes the shipped JSON Schemas from their zod definitions. */
const out = resolve(import.meta.dirname, '..', 'schemas', 'run-report.schema.json');
writeFileSync(out, `${JSON.stringify(runReportJsonSchema(), null, 2)}\n`);
process.stdout.write(`wrote ${out}\n`);
