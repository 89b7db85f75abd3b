import { describe, expect, it } from 'vitest';
import { ControlMessageError, parseControl } from './control.js';

describe('parseControl', () => {
  it('accepts every documented message', () => {
    expect(parseControl({ type: 'set', knob: 'security.lock', value: 'domain' })).toEqual({ type: 'set', knob: 'security.lock', value: 'domain' });
    expect(parseControl({ type: 'set', knob: 'workers', value: 5 })).toEqual({ type: 'set', knob: 'workers', value: 5 });
    expect(parseControl({ type: 'preset', name: 'feiner-both' })).toEqual({ type: 'preset', name: 'feiner-both' });
    expect(parseControl({ type: 'pause' })).toEqual({ type: 'pause' });
    expect(parseControl({ type: 'resume' })).toEqual({ type: 'resume' });
    expect(parseControl({ type: 'speed', value: 10 })).toEqual({ type: 'speed', value: 10 });
    expect(parseControl({ type: 'speed', value: 'max' })).toEqual({ type: 'speed', value: 'max' });
  });

  it.each([
    [null, '(message)'],
    [[1, 2], '(message)'],
    [{ type: 'jump' }, 'type'],
    [{ type: 'set', knob: '', value: 1 }, 'knob'],
    [{ type: 'set', knob: 'workers', value: { x: 1 } }, 'value'],
    [{ type: 'speed', value: 0 }, 'value'],
    [{ type: 'speed', value: 'fast' }, 'value'],
    [{ type: 'pause', extra: 1 }, 'extra'],
  ])('rejects %j naming %s', (message, field) => {
    expect(() => parseControl(message)).toThrow(ControlMessageError);
    try {
      parseControl(message);
    } catch (error) {
      expect((error as ControlMessageError).field).toBe(field);
    }
  });
});
