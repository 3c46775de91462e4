/** Probabilities of each injected fault. SDK faults are per request (per attempt inside the SDK's retry). */
export interface FaultRates {
  /** The request is sent, then the caller gets a network error: an ambiguous outcome. */
  lost: number;
  /** A throttling error before anything is sent. */
  throttle: number;
  /** The response is held back for up to `slowMs`. */
  slow: number;
  /** An SQS SendMessage is sent twice. */
  duplicate: number;
  /** A step attempt throws (retryable). */
  stepThrow: number;
  /** A step attempt hangs past its deadline, ignoring its signal. */
  stepHang: number;
  /** A step attempt returns a state over the 400 KB item limit. */
  stepOversize: number;
  /**
   * A worker kills itself with SIGKILL at a protocol point (before a commit, after its checkpoint put, after its
   * head update lands, before a send).
   */
  crash: number;
}

/** Where SDK faults are injected: outside the SDK's retry (the caller sees them), inside it (the SDK may retry), or both. */
export type FaultLayer = 'outer' | 'inner' | 'both';

/** Everything a chaos run is configured by. */
export interface ChaosOptions {
  executions: number;
  steps: number;
  workers: number;
  /** Most executions unfinished at once: the driver starts the next as one ends. */
  live: number;
  seed: number;
  /** Longest chaos phase, seconds. */
  durationSeconds: number;
  /** Longest drain phase (faults off, everything settles), seconds. */
  drainSeconds: number;
  rates: FaultRates;
  slowMs: number;
  faultLayer: FaultLayer;
  /** The SDK clients' maxAttempts (1 = no SDK retries). */
  sdkMaxAttempts: number;
  /** Mean seconds between the driver's SIGKILLs of a random worker; 0 for none. */
  killEverySeconds: number;
  /** Share of executions the driver pauses (and resumes later), cancels, and of failed ones it retries. */
  pauseFraction: number;
  /** Share of executions with a step that fails every attempt for a while: they fail, and may be retried. */
  poisonFraction: number;
  /** Share of executions with a step that commits with a sleep (0.2 to 3 s), and with an event wait the driver ends. */
  sleepFraction: number;
  waitFraction: number;
  /** Share of executions whose state carries about 40 KB of ballast, so that the store keeps it in S3. */
  largeFraction: number;
  /** Share of executions of the chainSteps workflow (a worker may run several of their steps per message). */
  chainFraction: number;
  cancelFraction: number;
  retryFraction: number;
  /** Tables (each with its own queue) the executions are spread over; undefined: by size. */
  tables?: number;
  /** A file to write every worker line to (newline-delimited JSON), for a post-mortem. */
  tracePath?: string;
  /** A file to write the full report to (JSON). */
  reportPath?: string;
}

/** The defaults of `npm run chaos`: a mid-size run. */
export const DEFAULT_RATES: FaultRates = {
  lost: 0.02,
  throttle: 0.02,
  slow: 0.02,
  duplicate: 0.05,
  stepThrow: 0.03,
  stepHang: 0.005,
  stepOversize: 0.005,
  crash: 0.002,
};

export function defaultChaosOptions(seed: number): ChaosOptions {
  return {
    executions: 100,
    steps: 10,
    workers: 4,
    live: 16,
    seed,
    durationSeconds: 3600,
    drainSeconds: 300,
    rates: { ...DEFAULT_RATES },
    slowMs: 1000,
    faultLayer: 'both',
    sdkMaxAttempts: 3,
    killEverySeconds: 15,
    pauseFraction: 0.1,
    poisonFraction: 0.03,
    sleepFraction: 0.1,
    waitFraction: 0.1,
    largeFraction: 0.1,
    chainFraction: 0.1,
    cancelFraction: 0.05,
    retryFraction: 0.5,
  };
}
