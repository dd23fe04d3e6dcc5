// A local Step Functions endpoint for tests: the API calls `powertune tune --via sfn` makes
// (StartExecution, DescribeExecution, GetExecutionHistory; AWS JSON 1.0 protocol), each
// execution run by aws-local-stepfunctions, every Task a real Lambda invoke through the Lambda
// endpoint in AWS_ENDPOINT_URL (the emulator).
//
// Usage: node sfn-server.mjs <definition.json> <arns.json>
//   arns.json: {"InitializerArn": "...", "ExecutorArn": "...", ...}
// Listens on 127.0.0.1 at a port of its own choosing and prints one line:
//   {"endpoint": "http://127.0.0.1:PORT", "stateMachineArn": "arn:aws:states:...:powertune"}
// Runs until killed. Only one state machine exists; its ARN is the one printed.
import { createServer } from 'node:http';
import { randomUUID } from 'node:crypto';
import { failure, loadStateMachine, region, retryIntervalOverrides } from './engine.mjs';

const [definitionPath, arnsPath] = process.argv.slice(2);
if (!arnsPath) {
  console.error('usage: sfn-server.mjs <definition.json> <arns.json>');
  process.exit(2);
}
const account = '000000000000';
const machineArn = `arn:aws:states:${region}:${account}:stateMachine:powertune`;
const stateMachine = loadStateMachine(definitionPath, arnsPath);

/** executionArn -> {name, input, status, startDate, stopDate, output, error, cause, events} */
const executions = new Map();

/** The Step Functions history event type of an aws-local-stepfunctions event, or null. */
function historyType(event) {
  switch (event.type) {
    case 'ExecutionStarted':
    case 'ExecutionSucceeded':
    case 'ExecutionFailed':
    case 'ExecutionAborted':
    case 'MapIterationStarted':
    case 'MapIterationSucceeded':
    case 'MapIterationFailed':
      return event.type;
    case 'ExecutionTimeout':
      return 'ExecutionTimedOut';
    case 'StateEntered':
      return `${event.state.type}StateEntered`;
    case 'StateExited':
      return `${event.state.type}StateExited`;
    default:
      return null;
  }
}

function startExecution(request) {
  if (request.stateMachineArn !== machineArn) {
    return [400, { __type: 'StateMachineDoesNotExist', message: `State Machine Does Not Exist: '${request.stateMachineArn}'` }];
  }
  let input;
  try {
    input = JSON.parse(request.input ?? '{}');
  } catch (e) {
    return [400, { __type: 'InvalidExecutionInput', message: `Invalid execution input: ${e.message}` }];
  }
  const name = request.name ?? randomUUID();
  const executionArn = `arn:aws:states:${region}:${account}:execution:powertune:${name}`;
  if (executions.has(executionArn)) {
    return [400, { __type: 'ExecutionAlreadyExists', message: `Execution Already Exists: '${executionArn}'` }];
  }
  const record = {
    name,
    input: request.input ?? '{}',
    status: 'RUNNING',
    startDate: Date.now() / 1000,
    events: [],
  };
  executions.set(executionArn, record);
  const execution = stateMachine.run(input, {
    overrides: { retryIntervalOverrides },
    context: {
      Execution: { Id: executionArn, Name: name, Input: input, StartTime: new Date().toISOString() },
    },
  });
  (async () => {
    for await (const event of execution.eventLogs) {
      const type = historyType(event);
      if (type) {
        const id = record.events.length + 1;
        record.events.push({ timestamp: event.timestamp / 1000, type, id, previousEventId: id - 1 });
      }
    }
  })().catch((e) => console.error(`event log of ${name}: ${e}`));
  execution.result.then(
    (output) => {
      Object.assign(record, { status: 'SUCCEEDED', output: JSON.stringify(output), stopDate: Date.now() / 1000 });
    },
    (e) => {
      Object.assign(record, { status: 'FAILED', ...failure(e), stopDate: Date.now() / 1000 });
    },
  );
  return [200, { executionArn, startDate: record.startDate }];
}

function findExecution(request) {
  const record = executions.get(request.executionArn);
  if (!record) {
    return [null, [400, { __type: 'ExecutionDoesNotExist', message: `Execution Does Not Exist: '${request.executionArn}'` }]];
  }
  return [record, null];
}

function describeExecution(request) {
  const [record, error] = findExecution(request);
  if (error) return error;
  const { name, input, status, startDate, stopDate, output, cause } = record;
  return [200, {
    executionArn: request.executionArn,
    stateMachineArn: machineArn,
    name,
    status,
    startDate,
    input,
    ...(stopDate === undefined ? {} : { stopDate }),
    ...(output === undefined ? {} : { output }),
    ...(record.error === undefined ? {} : { error: record.error, cause }),
  }];
}

function getExecutionHistory(request) {
  const [record, error] = findExecution(request);
  if (error) return error;
  // Pages of maxResults (default 100, as the service), the offset as the token.
  const size = Math.min(request.maxResults || 100, 1000);
  const start = request.nextToken ? Number(request.nextToken) : 0;
  const events = record.events.slice(start, start + size);
  const more = start + size < record.events.length;
  return [200, { events, ...(more ? { nextToken: String(start + size) } : {}) }];
}

const operations = {
  StartExecution: startExecution,
  DescribeExecution: describeExecution,
  GetExecutionHistory: getExecutionHistory,
};

const server = createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const target = req.headers['x-amz-target'] ?? '';
    const operation = operations[target.replace(/^AWSStepFunctions\./, '')];
    let status;
    let body;
    if (!operation) {
      [status, body] = [400, { __type: 'UnknownOperationException', message: `not served here: ${target}` }];
    } else {
      try {
        [status, body] = operation(JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}'));
      } catch (e) {
        [status, body] = [400, { __type: 'ValidationException', message: String(e) }];
      }
    }
    res.writeHead(status, { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': randomUUID() });
    res.end(JSON.stringify(body));
  });
});
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address();
  console.log(JSON.stringify({ endpoint: `http://127.0.0.1:${port}`, stateMachineArn: machineArn }));
});
