import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import type { AwsResources } from './aws-resources.js';

/**
 * How many messages the step queue holds back for their delay right now (SQS's
 * ApproximateNumberOfMessagesDelayed): a check of a delay that does not depend on
 * how fast the test runs, when the delay is far longer than any test (900 s).
 */
export async function delayedMessages(res: AwsResources): Promise<number> {
  const out = await res.sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: res.queueUrl, AttributeNames: ['ApproximateNumberOfMessagesDelayed'] }),
  );
  return Number(out.Attributes?.['ApproximateNumberOfMessagesDelayed']);
}
