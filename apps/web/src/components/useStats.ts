// Statistics for a slot, refreshed while live at most a few times per second, and once more
// after the last change so the final figures always show.

import { useEffect, useRef, useState } from 'react';
import type { StatsSnapshot } from '../derived/stats.js';
import { useApp } from '../store/app.js';
import { loaded, statsSnapshot, type TraceSlot } from '../store/traces.js';
import { marksSplitOffThread, rangeStatsOffThread, type MarkSplit } from '../derived/range.js';

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

/**
 * Statistics of the selected time range of the main trace (null without one), recomputed when
 * the range or the trace changes, at most a few times per second while live.
 */
export function useRangeStats(): StatsSnapshot | null {
  const range = useApp((s) => s.range);
  const version = useApp((s) => s.versions.main);
  const [snap, setSnap] = useState<StatsSnapshot | null>(null);
  useEffect(() => {
    const entry = loaded('main');
    if (!range || !entry) {
      setSnap(null);
      return;
    }
    // Counted in a Web Worker; an answer for a range or trace since replaced is dropped.
    let current = true;
    const timer = setTimeout(() => {
      rangeStatsOffThread(entry.index, range.t0, range.t1).then(
        (s) => current && setSnap(s),
        () => current && setSnap(null),
      );
    }, snap ? REFRESH_MS : 0);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [range, version]);
  return range ? snap : null;
}

/** Statistics before and after each strategy mark of the main trace. */
export function useMarksSplit(): MarkSplit[] {
  const version = useApp((s) => s.versions.main);
  const [split, setSplit] = useState<MarkSplit[]>([]);
  useEffect(() => {
    const entry = loaded('main');
    if (!entry || entry.index.marks.length === 0) {
      setSplit([]);
      return;
    }
    let current = true;
    const timer = setTimeout(() => {
      marksSplitOffThread(entry.index).then(
        (s) => current && setSplit(s),
        () => current && setSplit([]),
      );
    }, REFRESH_MS);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [version]);
  return split;
}
