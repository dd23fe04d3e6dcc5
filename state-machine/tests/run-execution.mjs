// Runs powertune.asl.json locally with aws-local-stepfunctions; every Task invokes the real
// Lambda function named by its ARN through the Lambda endpoint in AWS_ENDPOINT_URL.
//
// Usage: node run-execution.mjs <definition.json> <arns.json> <input.json> <execution-name>
//   arns.json: {"InitializerArn": "...", "ExecutorArn": "...", ...}
// Prints one JSON line: {"status": "SUCCEEDED", "output": ...}
//                    or {"status": "FAILED", "error": ..., "cause": ...}.
import { readFileSync } from 'node:fs';
import { failure, loadStateMachine, region, retryIntervalOverrides } from './engine.mjs';

const [definitionPath, arnsPath, inputPath, name] = process.argv.slice(2);
if (!name) {
  console.error('usage: run-execution.mjs <definition.json> <arns.json> <input.json> <execution-name>');
  process.exit(2);
}
const input = JSON.parse(readFileSync(inputPath, 'utf8'));
const stateMachine = loadStateMachine(definitionPath, arnsPath);
const execution = stateMachine.run(input, {
  overrides: { retryIntervalOverrides },
  context: {
    Execution: {
      Id: `arn:aws:states:${region}:000000000000:execution:powertune:${name}`,
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
  console.log(JSON.stringify({ status: 'FAILED', ...failure(e) }));
}
