// Runs powertune.asl.json locally with aws-local-stepfunctions; every Task invokes the real
// Lambda function named by its ARN through the Lambda endpoint in AWS_ENDPOINT_URL.
//
// Usage: node run-execution.mjs <definition.json> <arns.json> <input.json> <execution-name>
//   arns.json: {"InitializerArn": "...", "ExecutorArn": "...", ...}
// Prints one JSON line: {"status": "SUCCEEDED", "output": ...}
//                    or {"status": "FAILED", "error": ..., "cause": ...}.
import { readFileSync } from 'node:fs';

// aws-local-stepfunctions 3 uses Promise.withResolvers (Node 22+); provide it on Node 20.
if (typeof Promise.withResolvers !== 'function') {
  Promise.withResolvers = function withResolvers() {
    let resolve;
    let reject;
    const promise = new this((res, rej) => {
      resolve = res;
      reject = rej;
    });
    return { promise, resolve, reject };
  };
}
const { StateMachine } = await import('aws-local-stepfunctions');

const [definitionPath, arnsPath, inputPath, name] = process.argv.slice(2);
if (!name) {
  console.error('usage: run-execution.mjs <definition.json> <arns.json> <input.json> <execution-name>');
  process.exit(2);
}
const arns = JSON.parse(readFileSync(arnsPath, 'utf8'));
const text = readFileSync(definitionPath, 'utf8').replace(/\$\{(\w+)\}/g, (whole, key) => {
  if (!(key in arns)) throw new Error(`no ARN given for ${whole}`);
  return arns[key];
});
const input = JSON.parse(readFileSync(inputPath, 'utf8'));
const stateMachine = new StateMachine(JSON.parse(text), {
  awsConfig: {
    region: process.env.AWS_REGION ?? 'us-east-1',
    credentials: {
      accessKeys: {
        accessKeyId: process.env.AWS_ACCESS_KEY_ID ?? 'test',
        secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY ?? 'test',
      },
    },
  },
});
// Retries wait 50 ms instead of their IntervalSeconds: the Lambda endpoint is local.
const retryIntervalOverrides = Object.fromEntries(
  ['Initializer', 'Executor', 'Cleaner', 'Analyzer', 'Optimizer', 'CleanUpOnError'].map((s) => [s, 50]),
);
const execution = stateMachine.run(input, {
  overrides: { retryIntervalOverrides },
  context: {
    Execution: {
      Id: `arn:aws:states:us-east-1:000000000000:execution:powertune:${name}`,
      Name: name,
      Input: input,
      StartTime: new Date().toISOString(),
    },
  },
});
try {
  const output = await execution.result;
  console.log(JSON.stringify({ status: 'SUCCEEDED', output }));
} catch (e) {
  // ExecutionError wraps what failed the execution (a Fail state: name = Error, message = Cause).
  const failed = e.cause instanceof Error ? e.cause : e;
  console.log(JSON.stringify({ status: 'FAILED', error: failed.name, cause: failed.message }));
}
