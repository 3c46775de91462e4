import { randomBytes } from 'node:crypto';
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCallbackSecrets } from '../../../functions/shared/callback-secrets.js';
import { emulatorClientConfig } from '../../support/aws-resources.js';
import { type Emulator, startEmulator } from '../../support/emulator.js';

let emulator: Emulator;
let client: SecretsManagerClient;

beforeAll(async () => {
  emulator = await startEmulator();
  client = new SecretsManagerClient(emulatorClientConfig(emulator.endpoint));
});
afterAll(async () => {
  client?.destroy();
  await emulator?.stop();
});

async function newSecret(value: string): Promise<string> {
  const name = `longrunning-test-${randomBytes(6).toString('hex')}`;
  const { ARN } = await client.send(new CreateSecretCommand({ Name: name, SecretString: value }));
  return ARN ?? '';
}

describe('loadCallbackSecrets', () => {
  it('reads the current version of the secret the construct names', async () => {
    const arn = await newSecret('first-secret-value-0123456789');
    expect(await loadCallbackSecrets({ CALLBACK_SECRET_ARN: arn }, client)).toEqual(['first-secret-value-0123456789']);
    await client.send(new DeleteSecretCommand({ SecretId: arn, ForceDeleteWithoutRecovery: true }));
  });

  it('keeps verifying with the previous version after a rotation, and signs with the new one', async () => {
    const arn = await newSecret('before-rotation-0123456789');
    await client.send(new PutSecretValueCommand({ SecretId: arn, SecretString: 'after-rotation-0123456789' }));
    expect(await loadCallbackSecrets({ CALLBACK_SECRET_ARN: arn }, client)).toEqual([
      'after-rotation-0123456789',
      'before-rotation-0123456789',
    ]);
  });

  it('fails with the cause when the secret does not exist', async () => {
    const arn = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:longrunning-missing-AbCdEf';
    await expect(loadCallbackSecrets({ CALLBACK_SECRET_ARN: arn }, client)).rejects.toThrow(
      /Secrets Manager can't find|not found|ResourceNotFound/i,
    );
  });

  it('refuses a secret too short to sign with', async () => {
    const arn = await newSecret('short');
    await expect(loadCallbackSecrets({ CALLBACK_SECRET_ARN: arn }, client)).rejects.toThrow(/at least 16 bytes/);
  });
});

describe('loadCallbackSecrets without the construct', () => {
  it('uses LONGRUNNING_CALLBACK_SECRET for local runs', async () => {
    expect(await loadCallbackSecrets({ LONGRUNNING_CALLBACK_SECRET: 'a-local-secret-0123' })).toEqual([
      'a-local-secret-0123',
    ]);
    await expect(loadCallbackSecrets({ LONGRUNNING_CALLBACK_SECRET: 'short' })).rejects.toThrow(/at least 16 bytes/);
  });

  it('says what to set when neither is there', async () => {
    await expect(loadCallbackSecrets({})).rejects.toThrow(
      /CALLBACK_SECRET_ARN is not set: deploy with the LongRunningWorkflows construct, or export LONGRUNNING_CALLBACK_SECRET/,
    );
  });
});
