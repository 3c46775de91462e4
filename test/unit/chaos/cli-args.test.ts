import { describe, expect, it } from 'vitest';
import { parseChaosArgs, UsageError } from '../../chaos/cli-args.js';
import { defaultChaosOptions } from '../../chaos/options.js';

const parse = (...argv: string[]) => parseChaosArgs(argv, () => 99);

describe('parseChaosArgs', () => {
  it('gives the defaults with a random seed when nothing is passed', () => {
    expect(parse()).toEqual(defaultChaosOptions(99));
  });

  it('reads counts, rates, layer, files and the seed', () => {
    const o = parse(
      '--executions',
      '1000',
      '--steps',
      '10',
      '--workers',
      '6',
      '--seed',
      '7',
      '--lost',
      '0.1',
      '--step-hang',
      '0',
      '--fault-layer',
      'inner',
      '--tables',
      '3',
      '--kill-every',
      '0',
      '--trace',
      't.ndjson',
    );
    expect(o).toMatchObject({ executions: 1000, steps: 10, workers: 6, seed: 7, faultLayer: 'inner', tables: 3 });
    expect(o).toMatchObject({ killEverySeconds: 0, tracePath: 't.ndjson' });
    expect('rates' in o && o.rates).toMatchObject({ lost: 0.1, stepHang: 0, throttle: 0.02 });
  });

  it('reads the share of large executions, 0.1 by default', () => {
    expect(parse()).toMatchObject({ largeFraction: 0.1 });
    expect(parse('--large', '0.25')).toMatchObject({ largeFraction: 0.25 });
    expect(() => parse('--large', '2')).toThrow(/--large must be a number from 0 to 1/);
  });

  it('answers help', () => {
    expect(parse('--help')).toEqual({ help: true });
  });

  it.each([
    [['--executions', '0'], /--executions must be a whole number from 1/],
    [['--steps', '2.5'], /--steps must be a whole number/],
    [['--lost', '1.5'], /--lost must be a number from 0 to 1/],
    [['--pause', 'x'], /--pause must be a number from 0 to 1/],
    [['--fault-layer', 'middle'], /--fault-layer must be outer, inner or both/],
    [['--seed', '1.5'], /--seed must be a whole number/],
    [['--seed', '-1'], /--seed/],
    [['--nope'], /Unknown option '--nope'/],
  ])('refuses %j', (argv, message) => {
    expect(() => parse(...argv)).toThrow(UsageError);
    expect(() => parse(...argv)).toThrow(message);
  });
});
