// Statistics for a slot, refreshed while live at most a few times per second, and once more
// after the last change so the final figures always show.

import { useEffect, useRef, useState } from 'react';
import type { StatsSnapshot } from '../derived/stats.js';
import { useApp } from '../store/app.js';
import { statsSnapshot, type TraceSlot } from '../store/traces.js';

const REFRESH_MS = 300;

export function useStats(slot: TraceSlot): StatsSnapshot | null {
  const version = useApp((s) => s.versions[slot]);
  const [snap, setSnap] = useState<StatsSnapshot | null>(() => statsSnapshot(slot, performance.now(), 0));
  const last = useRef(0);
  const trailing = useRef<ReturnType<typeof setTimeout> | null>(null);
  useEffect(() => {
    const refresh = (): void => {
      last.current = performance.now();
      trailing.current = null;
      setSnap(statsSnapshot(slot, last.current, 0));
    };
    const wait = REFRESH_MS - (performance.now() - last.current);
    if (wait <= 0) refresh();
    else if (!trailing.current) trailing.current = setTimeout(refresh, wait);
  }, [slot, version]);
  useEffect(
    () => () => {
      if (trailing.current) clearTimeout(trailing.current);
    },
    [],
  );
  return snap;
}
