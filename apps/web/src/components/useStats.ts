// Statistics for a slot, refreshed while live at most a few times per second (and once more
// after the last change, so the final figures always show).

import { useEffect, useState } from 'react';
import type { StatsSnapshot } from '../derived/stats.js';
import { useApp } from '../store/app.js';
import { statsSnapshot, type TraceSlot } from '../store/traces.js';

const REFRESH_MS = 300;

export function useStats(slot: TraceSlot): StatsSnapshot | null {
  const version = useApp((s) => s.versions[slot]);
  const [snap, setSnap] = useState<StatsSnapshot | null>(() => statsSnapshot(slot, performance.now(), 0));
  useEffect(() => {
    const timer = setTimeout(() => setSnap(statsSnapshot(slot, performance.now(), 0)), REFRESH_MS);
    return () => clearTimeout(timer);
  }, [slot, version]);
  useEffect(() => {
    // Immediate first fill when a slot appears or is cleared.
    setSnap(statsSnapshot(slot, performance.now(), REFRESH_MS));
  }, [slot, version === 0]);
  return snap;
}
