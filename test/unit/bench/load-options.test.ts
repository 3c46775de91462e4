import { describe, expect, it } from 'vitest';
import { LOAD_DEFAULTS, LoadUsageError, parseLoadArgs } from '../../bench/load-options.js';

describe('parseLoadArgs', () => {
  it('gives the defaults with no arguments', () => {
    expect(parseLoadArgs([])).toEqual({ help: false, options: { durationSeconds: 60, inFlight: 20, concurrency: 10 } });
    expect(LOAD_DEFAULTS).toEqual({ durationSeconds: 60, inFlight: 20, concurrency: 10 });
  });

  it('reads each option, in either --name value or --name=value form', () => {
    expect(parseLoadArgs(['--duration', '30', '--in-flight=5', '--concurrency', '64'])).toEqual({
      help: false,
      options: { durationSeconds: 30, inFlight: 5, concurrency: 64 },
    });
  });

  it('asks for the usage with --help or -h, whatever else is given', () => {
    expect(parseLoadArgs(['--help'])).toEqual({ help: true });
    expect(parseLoadArgs(['-h', '--duration', '5'])).toEqual({ help: true });
  });

  it.each([
    [['--duration', '0'], '--duration must be a whole number from 1 to 3600, got "0"'],
    [['--duration', '3601'], '--duration must be a whole number from 1 to 3600, got "3601"'],
    [['--duration', '1.5'], '--duration must be a whole number from 1 to 3600, got "1.5"'],
    [['--duration', '1e3'], '--duration must be a whole number from 1 to 3600, got "1e3"'],
    [['--in-flight', 'many'], '--in-flight must be a whole number from 1 to 1000, got "many"'],
    [['--concurrency', '65'], '--concurrency must be a whole number from 1 to 64, got "65"'],
    [['--concurrency=-1'], '--concurrency must be a whole number from 1 to 64, got "-1"'],
  ])('refuses %j naming the option and its range', (argv, message) => {
    expect(() => parseLoadArgs(argv)).toThrow(new LoadUsageError(message));
  });

  it('refuses unknown options, missing values and positional arguments as usage errors', () => {
    expect(() => parseLoadArgs(['--bogus'])).toThrow(LoadUsageError);
    expect(() => parseLoadArgs(['--duration'])).toThrow(/--duration/);
    expect(() => parseLoadArgs(['30'])).toThrow(/Unexpected argument '30'/);
  });
});
