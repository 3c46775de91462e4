import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { assertCallbackSecret } from '../../lib/index.js';
import type { EnvSource } from './env.js';

/** What {@link loadCallbackSecrets} calls: Secrets Manager's GetSecretValue, or a stand-in in tests. */
export type SecretReader = Pick<SecretsManagerClient, 'send'>;

/**
 * The secrets that sign and verify callback tokens, read once per cold start. With
 * `CALLBACK_SECRET_ARN` (the construct sets it): the secret's current version, which
 * signs, then its previous one if any, which still verifies, so that tokens handed
 * out before a rotation keep working. Without it: `LONGRUNNING_CALLBACK_SECRET`
 * (local runs; at least 16 bytes). Neither set is an error that says what to set.
 */
export async function loadCallbackSecrets(source: EnvSource, reader?: SecretReader): Promise<string[]> {
  const arn = source['CALLBACK_SECRET_ARN'];
  if (arn === undefined || arn === '') {
    const local = source['LONGRUNNING_CALLBACK_SECRET'];
    if (local === undefined || local === '')
      throw new Error(
        'CALLBACK_SECRET_ARN is not set: deploy with the LongRunningWorkflows construct, or export LONGRUNNING_CALLBACK_SECRET (16+ bytes) for a local run',
      );
    assertCallbackSecret(local);
    return [local];
  }
  const client =
    reader ?? new SecretsManagerClient(source['AWS_ENDPOINT_URL'] ? { endpoint: source['AWS_ENDPOINT_URL'] } : {});
  const current = await readVersion(client, arn, 'AWSCURRENT');
  if (current === undefined) throw new Error(`callback secret ${arn} has no current value`);
  assertCallbackSecret(current);
  const previous = await readVersion(client, arn, 'AWSPREVIOUS');
  return previous === undefined || previous === current ? [current] : [current, previous];
}

async function readVersion(client: SecretReader, arn: string, stage: string): Promise<string | undefined> {
  try {
    const out = await client.send(new GetSecretValueCommand({ SecretId: arn, VersionStage: stage }));
    return out.SecretString;
  } catch (err) {
    // A secret never rotated has no AWSPREVIOUS version.
    if (stage !== 'AWSCURRENT' && (err as { name?: string }).name === 'ResourceNotFoundException') return undefined;
    throw err;
  }
}
