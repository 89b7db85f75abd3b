// Colour-blind safe colours (Okabe–Ito, plus Paul Tol's olive and indigo where Okabe–Ito runs
// out). Waits are vermillion *and* hatched, so they stand out even in greyscale; no lock class
// uses vermillion or the orange next to it. The security manager, the lock of the 2013 report,
// is the strong blue: it must stand out from the domain-job green and the domain-object yellow
// it is nested in.

import { LOCK_CLASSES, type LockClass } from '@lockscope/trace';

export const CLASS_COLOURS: Record<LockClass, string> = {
  'security-manager': '#0072B2', // blue
  'security-driver': '#56B4E9', // sky blue
  'domain-list': '#CC79A7', // reddish purple
  'domain-object': '#F0E442', // yellow
  'domain-job': '#009E73', // bluish green
  driver: '#999933', // olive
  monitor: '#332288', // indigo
  other: '#BBBBBB', // light grey
};

/** Colour per lock class index (as in LOCK_CLASSES). */
export const CLASS_COLOUR_LIST: string[] = LOCK_CLASSES.map((c) => CLASS_COLOURS[c]);

export const WAIT_COLOUR = '#D55E00'; // vermillion
/** The exact RGB of WAIT_COLOUR, for tests that count drawn wait pixels. */
export const WAIT_RGB: [number, number, number] = [0xd5, 0x5e, 0x00];
export const SPAN_COLOUR = '#5B6770';
export const QUEUE_COLOUR = '#B8C0C6';
export const PHASE_COLOUR = '#9AA5AD';
export const MARK_COLOUR = '#7A2E8E';
export const SELECT_COLOUR = '#000000';
export const MATCH_COLOUR = '#E69F00'; // orange: a marker bar, never a lane fill
export const ARROW_COLOUR = '#222222';
export const GRID_COLOUR = '#ECEFF1';
export const TEXT_COLOUR = '#1B1F23';
/** Gutter of the compared run's lanes. */
export const COMPARE_GUTTER = '#E3ECF5';
