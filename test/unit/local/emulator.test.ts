import { afterEach, describe, expect, it } from 'vitest';
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
