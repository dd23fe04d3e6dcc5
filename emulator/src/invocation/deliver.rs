//! Delivering one event to a warm (or just initialized) environment and waiting for its end:
//! the runtime's reply, the process's exit, or the function's timeout.

use std::time::{Duration, Instant};

use bytes::Bytes;

use super::{Failure, round2};
use crate::environments::{Environment, ExitInfo};
use crate::runtime_api::{Invocation, RuntimeReply, TimedReply};

enum Ending {
    Reply(TimedReply),
    Exited(ExitInfo),
    TimedOut,
}

/// What a delivered invocation produced.
#[derive(Debug)]
pub(crate) struct Delivered {
    /// Duration: the event handed to the runtime to the reply (or the failure), in ms (2
    /// decimals).
    pub(crate) duration_ms: f64,
    /// The response, or why there is none.
    pub(crate) result: Result<Bytes, Failure>,
}

/// Thaws `env`, hands it `invocation` and waits at most `timeout` for its end. `None` when the
/// environment could not take the event.
pub(crate) async fn deliver(
    env: &Environment,
    invocation: Invocation,
    timeout: Duration,
) -> Option<Delivered> {
    env.thaw();
    let dispatched_at = Instant::now();
    let reply_rx = env.channel().dispatch(invocation)?;
    let ending = tokio::select! {
        reply = reply_rx => match reply {
            Ok(reply) => Ending::Reply(reply),
            Err(_) => Ending::Exited(env.wait_exit().await),
        },
        info = env.wait_exit() => Ending::Exited(info),
        () = tokio::time::sleep(timeout) => Ending::TimedOut,
    };
    let ended_at = match &ending {
        Ending::Reply(reply) => reply.at,
        _ => Instant::now(),
    };
    let delivered_at = env.channel().delivered_at().unwrap_or(dispatched_at);
    env.channel().clear();
    let result = match ending {
        Ending::Reply(reply) => match reply.reply {
            RuntimeReply::Response(body) => Ok(body),
            RuntimeReply::Error { body, error_type } => Err(Failure::function(body, error_type)),
            RuntimeReply::TooLarge { size } => Err(Failure::ResponseTooLarge { size }),
        },
        Ending::Exited(exit) => Err(Failure::exited(env, exit)),
        Ending::TimedOut => Err(Failure::TimedOut { limit: timeout }),
    };
    Some(Delivered {
        duration_ms: round2(
            ended_at
                .saturating_duration_since(delivered_at)
                .as_secs_f64()
                * 1000.0,
        ),
        result,
    })
}
