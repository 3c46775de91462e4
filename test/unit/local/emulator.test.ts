import { afterEach, describe, expect, it } from 'vitest';
import { emulatorSdkConfig } from '../../../lib/local/index.js';
import { startEmulator } from '../../support/emulator.js';

const saved = { path: process.env['PATH'], endpoint: process.env['AWS_ENDPOINT_URL'] };

function restore(name: 'PATH' | 'AWS_ENDPOINT_URL', value: string | undefined): void {
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
}

afterEach(() => {
  restore('PATH', saved.path);
  restore('AWS_ENDPOINT_URL', saved.endpoint);
});

describe('startEmulator', () => {
  it('uses AWS_ENDPOINT_URL as it is when set', async () => {
    process.env['AWS_ENDPOINT_URL'] = 'http://localhost:4566';
    const emulator = await startEmulator();
    expect(emulator.endpoint).toBe('http://localhost:4566');
    await emulator.stop();
  });

  it('fails with how to install moto when moto_server is missing and no endpoint is set', async () => {
    delete process.env['AWS_ENDPOINT_URL'];
    process.env['PATH'] = '/nonexistent';
    await expect(startEmulator()).rejects.toThrow(/pip install "moto\[server\]".*AWS_ENDPOINT_URL/s);
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
