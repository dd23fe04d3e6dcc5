// Example Node.js function run under aws-lambda-ric.
//
// Payload fields (all optional): `sleep_ms` sleeps, `iterations` runs that many rounds of
// integer work, `mode` is `error` (throw), `print` (print `bytes` of log lines) or `ok`.
"use strict";

let cold = true;

function work(iterations) {
  let acc = 0;
  for (let i = 0; i < iterations; i++) {
    acc = (Math.imul(acc ^ i, 0x9e3779b1) + 0x7f4a7c15) | 0;
  }
  return acc;
}

exports.handler = async (event, context) => {
  event = event || {};
  const wasCold = cold;
  cold = false;
  const mode = event.mode || "ok";
  if (mode === "error") {
    throw new Error("handled error on purpose");
  }
  if (mode === "print") {
    const line = "x".repeat(99);
    const count = Math.floor((event.bytes || 10000) / 109) + 1;
    for (let n = 0; n < count; n++) {
      console.log(String(n).padStart(8, "0") + " " + line);
    }
  }
  if (event.sleep_ms) {
    await new Promise((resolve) => setTimeout(resolve, event.sleep_ms));
  }
  const checksum = work(event.iterations || 0);
  console.log(`node handler ran for ${context.awsRequestId}`);
  return {
    runtime: "node",
    cold: wasCold,
    request_id: context.awsRequestId,
    function_name: context.functionName,
    memory_limit_in_mb: Number(context.memoryLimitInMB),
    checksum,
  };
};
