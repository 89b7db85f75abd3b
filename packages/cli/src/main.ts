#!/usr/bin/env node
// `lockscope <command> ...`: the command-line face of Lockscope.
import { isInputError, UsageError } from './errors.js';

// A reader that stops reading (`lockscope simulate --format ndjson | head`) is not an error.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw err;
});

interface Command {
  usage: string;
  run(argv: string[]): Promise<number>;
}

const commands: Record<string, () => Promise<Command>> = {
  simulate: () => import('./commands/simulate.js'),
  scenarios: () => import('./commands/scenarios.js'),
  presets: () => import('./commands/presets.js'),
  validate: () => import('./commands/validate.js'),
  convert: () => import('./commands/convert.js'),
  trace: () => import('./commands/trace.js'),
  'compare-model': () => import('./commands/compare-model.js'),
  'lock-order': () => import('./commands/lock-order.js'),
  sweep: () => import('./commands/sweep.js'),
  whatif: () => import('./commands/whatif.js'),
};

async function help(): Promise<void> {
  const lines = ['usage: lockscope <command> [options]', '', 'commands:'];
  for (const [name, load] of Object.entries(commands)) lines.push(`  ${(await load()).usage}`);
  console.log(lines.join('\n'));
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    await help();
    return name === undefined ? 2 : 0;
  }
  const load = commands[name];
  if (!load) throw new UsageError(`unknown command '${name}' (try: ${Object.keys(commands).join(', ')})`);
  return (await load()).run(rest);
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (err) {
  // Bad usage and bad input are one line on stderr and exit code 2; anything else is a bug in
  // Lockscope: still one line (the stack only with LOCKSCOPE_DEBUG=1), exit code 1.
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`lockscope: ${message.split('\n')[0]}\n`);
  if (process.env.LOCKSCOPE_DEBUG === '1' && err instanceof Error) process.stderr.write(`${err.stack}\n`);
  process.exitCode = isInputError(err) ? 2 : 1;
}
