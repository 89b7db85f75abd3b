// The painter of each kind of lane. A new kind of lane (a counter track, a sweep) is a new
// module with `paint` and `hit` and one entry here.

import type { HeaderRow, Row } from '../layout.js';
import { HEADER_BG, fillBand, type Frame, type LanePainter } from './frame.js';
import { lockLane } from './lock.js';
import { threadLane } from './thread.js';

const header: LanePainter<HeaderRow> = {
  paint(row, _index, f) {
    fillBand(f.band, f.dy(row.y), f.dy(row.y + row.h), HEADER_BG);
  },
  hit: () => -1,
};

type Painters = { [K in Row['type']]: LanePainter<Extract<Row, { type: K }>> };

export const PAINTERS: Painters = { header, thread: threadLane, lock: lockLane };

export function painterOf<R extends Row>(row: R): LanePainter<R> {
  return PAINTERS[row.type] as unknown as LanePainter<R>;
}
