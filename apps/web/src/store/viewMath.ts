// Pure arithmetic of the visible time window: zoom about a point, pan, clamp, follow live.

export interface TimeWindow {
  /** Visible start and end, ns from trace start. */
  t0: number;
  t1: number;
}

/** Narrowest window allowed (ns): below this a pixel would be a fraction of a nanosecond. */
export const MIN_SPAN = 100;

/**
 * Keeps a window inside [0, max(end, MIN_SPAN)] without changing its width when possible.
 * With no events yet (end 0) only the left edge is bounded.
 */
export function clampWindow(w: TimeWindow, end: number): TimeWindow {
  const limit = end > 0 ? Math.max(end, MIN_SPAN) : Infinity;
  let span = Math.max(MIN_SPAN, w.t1 - w.t0);
  if (span > limit) span = limit;
  let t0 = w.t0;
  if (t0 < 0) t0 = 0;
  if (t0 + span > limit) t0 = limit - span;
  return { t0, t1: t0 + span };
}

/** Zooms by `factor` (> 1 zooms in) keeping time `at` under the same pixel. */
export function zoomWindow(w: TimeWindow, at: number, factor: number, end: number): TimeWindow {
  const span = w.t1 - w.t0;
  const next = Math.max(MIN_SPAN, span / factor);
  const frac = span > 0 ? (at - w.t0) / span : 0.5;
  return clampWindow({ t0: at - frac * next, t1: at - frac * next + next }, end);
}

/** Pans by a fraction of the window's width (positive moves later in time). */
export function panWindow(w: TimeWindow, fraction: number, end: number): TimeWindow {
  const d = (w.t1 - w.t0) * fraction;
  return clampWindow({ t0: w.t0 + d, t1: w.t1 + d }, end);
}

/**
 * The window that shows the newest events. A window that starts at 0 grows with the trace (the
 * whole run stays in view); any other keeps its width and slides to end at `end`.
 */
export function followWindow(w: TimeWindow, end: number): TimeWindow {
  if (w.t0 <= 0) return { t0: 0, t1: Math.max(end, MIN_SPAN) };
  const span = w.t1 - w.t0;
  if (end <= span) return { t0: 0, t1: Math.max(span, MIN_SPAN) };
  return { t0: end - span, t1: end };
}
