"""Example Python function run under awslambdaric.

Payload fields (all optional): ``sleep_ms`` sleeps, ``iterations`` runs that many rounds of
integer hashing, ``mode`` is ``error`` (raise), ``print`` (print ``bytes`` of log lines) or
``ok``. The answer echoes what was done.
"""

import time

_COLD = {"cold": True}


def _hash_rounds(iterations):
    acc = 0
    mask = (1 << 64) - 1
    for i in range(iterations):
        z = (acc + i + 0x9E3779B97F4A7C15) & mask
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & mask
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & mask
        acc = z ^ (z >> 31)
    return acc


def handler(event, context):
    event = event or {}
    cold = _COLD.pop("cold", False)
    mode = event.get("mode", "ok")
    if mode == "error":
        raise ValueError("handled error on purpose")
    if mode == "print":
        line = "x" * 99
        for n in range(int(event.get("bytes", 10000)) // 109 + 1):
            print(f"{n:08} {line}")
    sleep_ms = int(event.get("sleep_ms", 0))
    if sleep_ms:
        time.sleep(sleep_ms / 1000)
    checksum = _hash_rounds(int(event.get("iterations", 0)))
    print(f"python handler ran for {context.aws_request_id}")
    return {
        "runtime": "python",
        "cold": cold,
        "request_id": context.aws_request_id,
        "function_name": context.function_name,
        "memory_limit_in_mb": int(context.memory_limit_in_mb),
        "checksum": checksum,
    }
