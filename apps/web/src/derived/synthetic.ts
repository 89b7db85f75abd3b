// A synthetic, time-ordered, valid trace of roughly `intervals` wait/hold/span intervals (about a
// third of the holds with a second lock taken inside; threads wait in line for held locks), used
// by the timeline benchmark and by tests that need volume rather than libvirt fidelity.

import { mulberry32, Trace, type LockClass, type ThreadRole } from '@lockscope/trace';

export interface SyntheticOptions {
  intervals: number;
  threads?: number;
  locks?: number;
  seed?: number;
  /** ns between consecutive events. */
  step?: number;
  /** Columns on SharedArrayBuffers (as a recording decoded in the worker of an isolated page). */
  shared?: boolean;
}

const API_NAMES = ['virDomainCreateXML', 'virDomainDefineXML', 'virDomainLookupByName', 'virDomainGetInfo', 'virConnectListAllDomains'];
const CLASSES: LockClass[] = ['domain-list', 'domain-object', 'security-manager', 'domain-job', 'monitor', 'security-driver'];

export function syntheticTrace(opts: SyntheticOptions): Trace {
  const nThreads = opts.threads ?? 24;
  const nLocks = opts.locks ?? 32;
  const step = opts.step ?? 1000;
  const rand = mulberry32(opts.seed ?? 1);
  // About 1.6 events per interval (a wait and a hold share the acquire event).
  const tr = new Trace(Math.ceil(opts.intervals * 1.7) + 64, opts.shared);
  const roles: ThreadRole[] = ['worker', 'priority-worker', 'event-loop'];
  for (let i = 0; i < nThreads; i++) {
    const role = roles[i < nThreads - 6 ? 0 : i < nThreads - 1 ? 1 : 2];
    tr.addThread(role === 'event-loop' ? 'event loop' : `${role === 'worker' ? 'worker' : 'prio'}-${i}`, role);
  }
  for (let i = 0; i < nLocks; i++) {
    const cls = CLASSES[i % CLASSES.length];
    tr.addLock({ name: `${cls}#${i}`, class: cls, kind: cls === 'domain-job' ? 'job' : 'mutex', subject: `vm-${String(i).padStart(2, '0')}` });
  }
  // A valid trace: a lock has one holder at a time, and a thread that asks for a held lock waits
  // in line (FIFO) until it is its turn; nested locks are taken in ascending order, so no two
  // threads ever wait for each other.
  const holder = new Int32Array(nLocks).fill(-1);
  const queues: number[][] = Array.from({ length: nLocks }, () => []);
  const state = new Uint8Array(nThreads);
  const lockOf = new Int32Array(nThreads);
  const innerOf = new Int32Array(nThreads);
  const remaining = new Int32Array(nThreads);
  let intervals = 0;
  let t = 0;
  // The thread's turn to take `lock`: free and first in line.
  const turn = (th: number, lock: number): boolean => holder[lock] < 0 && queues[lock][0] === th;
  // Takes `lock` (its turn has come) at t; an uncontended acquisition comes in the same ns as its
  // request, as libvirt's do.
  const take = (th: number, lock: number, t: number): void => {
    queues[lock].shift();
    holder[lock] = th;
    tr.acquired(t, th, lock);
    intervals += 2;
  };
  // After the outer lock: some holds take a second lock inside (a nested hold, as libvirt's job
  // + security manager), always above the outer one.
  const afterOuter = (th: number): number => (lockOf[th] + 1 < nLocks && rand() < 0.35 ? 5 : 3);
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
        // The outer lock leaves room for an inner one above it most of the time.
        lockOf[th] = Math.floor(rand() * Math.max(1, nLocks - 1));
        tr.request(t, th, lockOf[th]);
        queues[lockOf[th]].push(th);
        if (turn(th, lockOf[th])) {
          take(th, lockOf[th], t);
          state[th] = afterOuter(th);
        } else state[th] = 2;
        break;
      case 2:
        if (!turn(th, lockOf[th])) break;
        take(th, lockOf[th], t);
        state[th] = afterOuter(th);
        break;
      case 3:
        tr.released(t, th, lockOf[th]);
        holder[lockOf[th]] = -1;
        state[th] = --remaining[th] > 0 ? 1 : 4;
        break;
      case 4:
        tr.endSpan(t, th);
        state[th] = 0;
        break;
      case 5: {
        const outer = lockOf[th];
        innerOf[th] = outer + 1 + Math.floor(rand() * (nLocks - outer - 1));
        tr.request(t, th, innerOf[th]);
        queues[innerOf[th]].push(th);
        if (turn(th, innerOf[th])) {
          take(th, innerOf[th], t);
          state[th] = 7;
        } else state[th] = 6;
        break;
      }
      case 6:
        if (!turn(th, innerOf[th])) break;
        take(th, innerOf[th], t);
        state[th] = 7;
        break;
      case 7:
        tr.released(t, th, innerOf[th]);
        holder[innerOf[th]] = -1;
        state[th] = 3;
        break;
    }
  }
  // As a decoded trace: columns sized to the events, not to the estimate above.
  tr.compact();
  return tr;
}
