import { describe, expect, it } from 'vitest';
import { UsageError } from '../errors.js';
import { run as compareModel } from './compare-model.js';
import { run as trace } from './trace.js';

describe('lockscope trace / compare-model: bad usage is refused before anything starts', () => {
  it.each([
    [[], /needs --workload/],
    [['--workload', 'fleet'], /must be one of lifecycle, create-storm/],
    [['--workload', 'lifecycle', '--param', 'domains=0'], /from 1 to 200/],
    [['--workload', 'lifecycle', '--param', 'vms=3'], /unknown parameter 'vms'/],
    [['--workload', 'lifecycle', '--follow', '/tmp/x'], /either --workload/],
    [['--follow', '/nonexistent/recording'], /no recording at \/nonexistent\/recording.events/],
    [['--workload', 'lifecycle', '--live', 'not a url'], /--live expects/],
    [['--workload', 'lifecycle', '--format', 'pdf'], /--format must be one of/],
    [['--pid', 'abc', '--follow', '/tmp/x'], /--pid expects a process id/],
  ])('trace %j', async (argv, message) => {
    await expect(trace(argv as string[])).rejects.toThrow(UsageError);
    await expect(trace(argv as string[])).rejects.toThrow(message);
  });

  it.each([
    [['--workload', 'fleet'], /must be one of/],
    [['--param', 'domains=x'], /from 1 to 200/],
    [['--set', 'costs=moon'], /costs/],
  ])('compare-model %j', async (argv, message) => {
    await expect(compareModel(argv as string[])).rejects.toThrow(message);
  });
});
