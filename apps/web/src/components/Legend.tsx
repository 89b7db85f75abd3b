// What the colours mean. Colour-blind safe (Okabe–Ito based); waits are vermillion and hatched.

import { LOCK_CLASSES } from '@lockscope/trace';
import { CLASS_COLOURS, MARK_COLOUR, PHASE_COLOUR, QUEUE_COLOUR, SPAN_COLOUR, WAIT_COLOUR } from '../timeline/palette.js';

export function Legend() {
  return (
    <div className="legend" aria-label="legend" data-testid="legend">
      <span className="item">
        <i className="swatch wait" style={{ background: WAIT_COLOUR }} /> waiting for a lock (strip: its class)
      </span>
      {LOCK_CLASSES.map((c) => (
        <span className="item" key={c} data-class={c}>
          <i className="swatch" style={{ background: CLASS_COLOURS[c] }} data-colour={CLASS_COLOURS[c]} /> {c}
        </span>
      ))}
      <span className="item">
        <i className="swatch" style={{ background: SPAN_COLOUR, height: 5 }} /> API call
      </span>
      <span className="item">
        <i className="swatch" style={{ background: QUEUE_COLOUR, height: 5 }} /> queued
      </span>
      <span className="item">
        <i className="swatch" style={{ background: PHASE_COLOUR, height: 3 }} /> phase
      </span>
      <span className="item">
        <i className="swatch" style={{ background: MARK_COLOUR, width: 2 }} /> strategy change
      </span>
      <span className="item muted">thread lanes: API call, phase, then one row per held lock, outermost on top (a lock taken inside another is drawn below it)</span>
      <span className="item muted">lock lanes: bar = held (holder named), vermillion below = waiters (1 px each, up to 7)</span>
    </div>
  );
}
