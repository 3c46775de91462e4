// Synthesizes a stack that uses the construct with this project's own workflows
// module, with cdk-nag's AwsSolutions checks on (a finding fails the synth), and
// prints where the assembly went. `--with-finding` adds an unencrypted queue, which
// cdk-nag must report: proof that the checks really run here.
import { App, Stack, Validations } from 'aws-cdk-lib';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks } from 'cdk-nag';
import { LongRunningWorkflows } from 'longrunning/cdk';

const [outdir, flag] = process.argv.slice(2);
const app = new App({ outdir });
const stack = new Stack(app, 'FixtureStack');
new LongRunningWorkflows(stack, 'Runtime', { workflowsModule: 'workflows.ts' });
if (flag === '--with-finding') new Queue(stack, 'Unencrypted', { encryption: QueueEncryption.UNENCRYPTED });
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
const assembly = app.synth();
console.log(JSON.stringify({ directory: assembly.directory }));
