// A synthetic, time-ordered trace of roughly `intervals` wait/hold/span intervals (about a third
// of the holds with a second lock taken inside), used by the timeline benchmark and by tests that
// need volume rather than libvirt fidelity.

import { mulberry32, Trace, type LockClass, type ThreadRole } from '@lockscope/trace';

export interface SyntheticOptions {
  intervals: number;
  threads?: number;
  locks?: number;
  seed?: number;
  /** ns between consecutive events. */
  step?: number;
}

const API_NAMES = ['virDomainCreateXML', 'virDomainDefineXML', 'virDomainLookupByName', 'virDomainGetInfo', 'virConnectListAllDomains'];
const CLASSES: LockClass[] = ['domain-list', 'domain-object', 'security-manager', 'domain-job', 'monitor', 'security-driver'];

export function syntheticTrace(opts: SyntheticOptions): Trace {
  const nThreads = opts.threads ?? 24;
  const nLocks = opts.locks ?? 32;
  const step = opts.step ?? 1000;
  const rand = mulberry32(opts.seed ?? 1);
  // About 1.6 events per interval (a wait and a hold share the acquire event).
  const tr = new Trace(Math.ceil(opts.intervals * 1.7) + 64);
  const roles: ThreadRole[] = ['worker', 'priority-worker', 'event-loop'];
  for (let i = 0; i < nThreads; i++) {
    const role = roles[i < nThreads - 6 ? 0 : i < nThreads - 1 ? 1 : 2];
    tr.addThread(role === 'event-loop' ? 'event loop' : `${role === 'worker' ? 'worker' : 'prio'}-${i}`, role);
  }
  for (let i = 0; i < nLocks; i++) {
    const cls = CLASSES[i % CLASSES.length];
    tr.addLock({ name: `${cls}#${i}`, class: cls, kind: cls === 'domain-job' ? 'job' : 'mutex', subject: `vm-${String(i).padStart(2, '0')}` });
  }
  const state = new Uint8Array(nThreads);
  const lockOf = new Int32Array(nThreads);
  const innerOf = new Int32Array(nThreads);
  const remaining = new Int32Array(nThreads);
  let intervals = 0;
  let t = 0;
  for (let i = 0; intervals < opts.intervals; i++) {
    const th = i % nThreads;
    t += step;
    if (rand() < 0.5) continue; // vary durations
    switch (state[th]) {
      case 0:
        tr.beginSpan(t, th, 'api', API_NAMES[Math.floor(rand() * API_NAMES.length)], `vm-${Math.floor(rand() * 40)}`);
        remaining[th] = 1 + Math.floor(rand() * 6);
        intervals++;
        state[th] = 1;
        break;
      case 1:
        lockOf[th] = Math.floor(rand() * nLocks);
        tr.request(t, th, lockOf[th]);
        state[th] = 2;
        break;
      case 2:
        tr.acquired(t, th, lockOf[th]);
        intervals += 2;
        // Some holds take a second lock inside (a nested hold, as libvirt's job + security manager).
        state[th] = rand() < 0.35 ? 5 : 3;
        break;
      case 3:
        tr.released(t, th, lockOf[th]);
        state[th] = --remaining[th] > 0 ? 1 : 4;
        break;
      case 4:
        tr.endSpan(t, th);
        state[th] = 0;
        break;
      case 5: {
        let inner = Math.floor(rand() * nLocks);
        if (inner === lockOf[th]) inner = (inner + 1) % nLocks;
        innerOf[th] = inner;
        tr.request(t, th, inner);
        state[th] = 6;
        break;
      }
      case 6:
        tr.acquired(t, th, innerOf[th]);
        intervals += 2;
        state[th] = 7;
        break;
      case 7:
        tr.released(t, th, innerOf[th]);
        state[th] = 3;
        break;
    }
  }
  return tr;
}
