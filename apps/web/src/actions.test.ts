import { afterEach, describe, expect, it, vi } from 'vitest';
import { Trace } from '@lockscope/trace';

// Recordings answer when the test says: the first one asked is the slowest.
const answers = new Map<string, () => Promise<Trace>>();
vi.mock('./api/client.js', async (original) => ({
  ...(await original<typeof import('./api/client.js')>()),
  fetchRecording: (id: string) => answers.get(id)!(),
  getRecordingInfo: () => Promise.reject(new Error('no info')),
}));

const { openRecording } = await import('./actions.js');
const { loaded } = await import('./store/traces.js');
const { useApp } = await import('./store/app.js');

function traceNamed(name: string): Trace {
  const tr = new Trace();
  const th = tr.addThread(name, 'worker');
  const lock = tr.addLock({ name: 'domains', class: 'domain-list', kind: 'mutex' });
  tr.request(0, th, lock);
  tr.acquired(10, th, lock);
  tr.released(20, th, lock);
  return tr;
}

describe('opening recordings', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('shows the recording opened last, even when one opened before answers after it', async () => {
    vi.stubGlobal('history', { replaceState: () => undefined });
    const slow = traceNamed('slow');
    const fast = traceNamed('fast');
    answers.set('slow', () => new Promise((resolve) => setTimeout(() => resolve(slow), 50)));
    answers.set('fast', () => Promise.resolve(fast));
    const first = openRecording('slow');
    const second = openRecording('fast');
    await Promise.all([first, second]);
    expect(loaded('main')?.trace).toBe(fast);
    expect(useApp.getState().source).toMatchObject({ kind: 'recording', id: 'fast' });
    expect(useApp.getState().problem).toBeNull();
  });
});
