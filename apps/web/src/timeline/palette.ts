// Okabe–Ito colours: distinguishable with the common colour-vision deficiencies. Waits are
// vermillion *and* hatched, so they stand out even in greyscale; no lock class uses vermillion.

import { LOCK_CLASSES, type LockClass } from '@lockscope/trace';

export const CLASS_COLOURS: Record<LockClass, string> = {
  'security-manager': '#E69F00', // orange
  'security-driver': '#F0E442', // yellow
  'domain-list': '#0072B2', // blue
  'domain-object': '#56B4E9', // sky blue
  'domain-job': '#009E73', // bluish green
  driver: '#CC79A7', // reddish purple
  monitor: '#8C8C8C', // grey
  other: '#C8C8C8', // light grey
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
export const MATCH_COLOUR = '#F0E442';
export const ARROW_COLOUR = '#222222';
export const GRID_COLOUR = '#ECEFF1';
export const TEXT_COLOUR = '#1B1F23';
