import { describe, expect, it } from 'vitest';
import { PhaseTracker } from '../../chaos/kill-classifier.js';
import type { TraceLine } from '../../chaos/trace-lines.js';

const w = 'w0.0';
const ev = (id: string, type: string, t: number): TraceLine => ({ k: 'ev', t, w, id, type, step: 0, at: t });
const req = (id: string, op: 'commit' | 'send', ph: 'start' | 'end' | 'error', t: number): TraceLine => ({
  k: 'req',
  t,
  w,
  op,
  id,
  ph,
});

describe('PhaseTracker', () => {
  it('follows a message from receipt through the step, the commit and the send', () => {
    const p = new PhaseTracker();
    const at = () => p.inFlight(100, 1000).map((e) => e.phase);
    p.see({ k: 'recv', t: 1, w, id: 'a', step: 0 });
    expect(at()).toEqual(['received']);
    p.see(ev('a', 'step_started', 2));
    expect(at()).toEqual(['mid-step']);
    p.see(req('a', 'commit', 'start', 3));
    expect(at()).toEqual(['mid-commit']);
    p.see(req('a', 'commit', 'end', 4));
    p.see(req('a', 'send', 'start', 5));
    expect(at()).toEqual(['after-commit']);
    p.see(req('a', 'send', 'end', 6));
    expect(at()).toEqual([]);
  });

  it('forgets an execution whose message ended, and entries too old to be in flight', () => {
    const p = new PhaseTracker();
    p.see(ev('a', 'step_started', 1));
    p.see(ev('b', 'step_started', 1));
    p.see(req('b', 'commit', 'error', 2));
    p.see(ev('c', 'step_started', 1));
    p.see({ k: 'out', t: 2, w, id: 'c', step: 0, status: 'dropped' });
    p.see(ev('d', 'step_started', 900));
    expect(p.inFlight(1000, 500)).toEqual([{ id: 'd', phase: 'mid-step' }]);
  });
});
