// What run-execution.mjs and sfn-server.mjs share: powertune.asl.json loaded into
// aws-local-stepfunctions with its Lambda placeholders replaced by real function ARNs, every
// Task invoking the Lambda endpoint in AWS_ENDPOINT_URL.
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

export const region = process.env.AWS_REGION ?? 'us-east-1';

// Retries wait 50 ms instead of their IntervalSeconds: the Lambda endpoint is local.
export const retryIntervalOverrides = Object.fromEntries(
  ['Initializer', 'Executor', 'Cleaner', 'Analyzer', 'Optimizer', 'CleanUpOnError'].map((s) => [s, 50]),
);

/**
 * The state machine of the definition at `definitionPath`, with `${Key}` placeholders
 * replaced from the JSON object at `arnsPath` ({"InitializerArn": "...", ...}).
 */
export function loadStateMachine(definitionPath, arnsPath) {
  const arns = JSON.parse(readFileSync(arnsPath, 'utf8'));
  const text = readFileSync(definitionPath, 'utf8').replace(/\$\{(\w+)\}/g, (whole, key) => {
    if (!(key in arns)) throw new Error(`no ARN given for ${whole}`);
    return arns[key];
  });
  return new StateMachine(JSON.parse(text), {
    awsConfig: {
      region,
      credentials: {
        accessKeys: {
          accessKeyId: process.env.AWS_ACCESS_KEY_ID ?? 'test',
          secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY ?? 'test',
        },
      },
    },
  });
}

/** The Fail state's (or other failure's) error name and cause of a rejected execution. */
export function failure(e) {
  // ExecutionError wraps what failed the execution (a Fail state: name = Error, message = Cause).
  const failed = e.cause instanceof Error ? e.cause : e;
  return { error: failed.name, cause: failed.message };
}
