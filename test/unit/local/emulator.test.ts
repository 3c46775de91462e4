import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { emulatorSdkConfig, startEmulator } from '../../../lib/local/index.js';

describe('startEmulator', () => {
  it('uses AWS_ENDPOINT_URL as it is when set', async () => {
    const emulator = await startEmulator({ AWS_ENDPOINT_URL: 'http://localhost:4566', PATH: process.env['PATH'] });
    expect(emulator.endpoint).toBe('http://localhost:4566');
    await emulator.stop();
  });

  it('fails with what to install when there is no endpoint, no moto_server and no Python', async () => {
    const projectDir = mkdtempSync(join(tmpdir(), 'emulator-'));
    try {
      await expect(startEmulator({ PATH: '/nonexistent' }, { projectDir })).rejects.toThrow(
        /no Python 3.*install Python 3.*pip install "moto\[server\]==[\d.]+".*AWS_ENDPOINT_URL/s,
      );
    } finally {
      rmSync(projectDir, { recursive: true, force: true });
    }
  });
});

describe('emulatorSdkConfig', () => {
  it('fills in us-east-1 and dummy credentials where none are set, and keeps what is', () => {
    const env: Record<string, string | undefined> = {};
    expect(emulatorSdkConfig({ endpoint: 'http://127.0.0.1:5000' }, env)).toEqual({
      endpoint: 'http://127.0.0.1:5000',
      region: 'us-east-1',
    });
    expect(env).toEqual({ AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test' });
    const given = { AWS_REGION: 'eu-west-1', AWS_ACCESS_KEY_ID: 'k', AWS_SECRET_ACCESS_KEY: 's' };
    expect(emulatorSdkConfig({ endpoint: 'http://x' }, given).region).toBe('eu-west-1');
    expect(given.AWS_ACCESS_KEY_ID).toBe('k');
  });
});
