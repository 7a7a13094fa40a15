/** Entry that runs one quantum in a fresh process (job runner with warm workers off). */
import { runQuantum } from '../task/run-quantum.js';

const quantumFile = process.argv[2];
runQuantum(quantumFile).then(
  () => process.exit(0),
  (e: Error) => {
    process.stderr.write(`${e.stack ?? String(e)}\n`);
    process.exit(1);
  },
);
