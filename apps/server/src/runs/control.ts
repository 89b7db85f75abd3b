// Control messages a viewer sends over the stream socket (or POSTs to /api/runs/:id/control).
import { CONTROL_TYPES, MAX_SPEED, type ControlMessage, type Speed } from '@lockscope/trace/protocol';
import type { Run } from './run.js';

export { CONTROL_TYPES, MAX_SPEED, type ControlMessage };

/** A control message that cannot be understood; `field` names the offending part. */
export class ControlMessageError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = 'ControlMessageError';
  }
}


function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** A speed as clients write it: a positive number of simulated seconds per wall second, or "max". */
export function parseSpeed(value: unknown, field = 'speed'): Speed {
  if (value === 'max') return 'max';
  if (typeof value === 'number' && Number.isFinite(value) && value > 0 && value <= MAX_SPEED) return value;
  throw new ControlMessageError(field, `${field} must be a number in (0, ${MAX_SPEED}] or "max"`);
}

function name(value: unknown, field: string): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > 100) throw new ControlMessageError(field, `${field} must be a non-empty string of at most 100 characters`);
  return value;
}

export function parseControl(data: unknown): ControlMessage {
  if (!isRecord(data)) throw new ControlMessageError('(message)', 'a control message is a JSON object with a "type"');
  const type = data.type;
  const allowed = (keys: string[]): void => {
    for (const k of Object.keys(data)) if (k !== 'type' && !keys.includes(k)) throw new ControlMessageError(k, `unknown field ${JSON.stringify(k)} in a ${String(type)} message`);
  };
  switch (type) {
    case 'set': {
      allowed(['knob', 'value']);
      const knob = name(data.knob, 'knob');
      const value = data.value;
      if (!(typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value)))) throw new ControlMessageError('value', 'value must be a string or a number');
      return { type, knob, value };
    }
    case 'preset':
      allowed(['name']);
      return { type, name: name(data.name, 'name') };
    case 'pause':
    case 'resume':
    case 'stop':
      allowed([]);
      return { type };
    case 'speed':
      allowed(['value']);
      return { type, value: parseSpeed(data.value, 'value') };
    default:
      throw new ControlMessageError('type', `type must be one of ${CONTROL_TYPES.join(', ')}`);
  }
}

/** Applies a parsed control message to a run; throws ControlError for a refused strategy change. */
export function applyControl(run: Run, message: ControlMessage): void {
  switch (message.type) {
    case 'set':
      run.change({ knob: message.knob, value: message.value });
      return;
    case 'preset':
      run.change({ preset: message.name });
      return;
    case 'pause':
      run.pause();
      return;
    case 'resume':
      run.resume();
      return;
    case 'speed':
      run.setSpeed(message.value);
      return;
    case 'stop':
      run.stop('requested');
      return;
  }
}
