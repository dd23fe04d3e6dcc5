//! The events sent to the tuned function, as aws-lambda-power-tuning builds them: one payload
//! for every invocation, or a weighted list spread over `num` invocations in order.

use serde_json::Value;

use crate::error::{Error, Result};

/// One event to send: the raw request body and, for a weighted list, its index.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// Request body (`None` sends no payload).
    pub body: Option<Vec<u8>>,
    /// Index into the weighted list, when one was given.
    pub payload_index: Option<usize>,
}

/// Whether `payload` is a non-empty array whose items all have a truthy `payload` and `weight`
/// (aws-lambda-power-tuning's `isWeightedPayload`).
pub fn is_weighted(payload: &Value) -> bool {
    match payload {
        Value::Array(items) if !items.is_empty() => items.iter().all(|item| {
            let truthy = |v: Option<&Value>| match v {
                None | Some(Value::Null) | Some(Value::Bool(false)) => false,
                Some(Value::Number(n)) => n.as_f64() != Some(0.0),
                Some(Value::String(s)) => !s.is_empty(),
                Some(_) => true,
            };
            truthy(item.get("payload")) && truthy(item.get("weight"))
        }),
        _ => false,
    }
}

/// The request body for one payload value: a string holding JSON is sent as that JSON, any
/// other value is serialized (aws-lambda-power-tuning's `convertPayload`).
pub fn body_of(payload: &Value) -> Vec<u8> {
    if let Value::String(s) = payload
        && serde_json::from_str::<Value>(s).is_ok()
    {
        return s.as_bytes().to_vec();
    }
    serde_json::to_vec(payload).expect("a JSON value always serializes")
}

/// The `num` events of a run, in order.
///
/// # Errors
///
/// [`Error::InvalidInput`] (field `payload`) when a weighted list has more entries than `num`
/// or a weight too small to get one invocation.
pub fn generate(num: u32, payload: &Value) -> Result<Vec<Event>> {
    let n = num as usize;
    if !is_weighted(payload) {
        let body = body_of(payload);
        return Ok(vec![
            Event {
                body: Some(body),
                payload_index: None,
            };
            n
        ]);
    }
    let items = payload.as_array().expect("checked by is_weighted");
    if n < items.len() {
        return Err(Error::invalid(
            "payload",
            format!(
                "has {} weighted payloads but num is {num}: num must be at least the number of payloads",
                items.len()
            ),
        ));
    }
    let weights: Vec<f64> = items
        .iter()
        .map(|i| i.get("weight").and_then(Value::as_f64).unwrap_or(0.0))
        .collect();
    let total: f64 = weights.iter().sum();
    let mut events = Vec::with_capacity(n);
    for (index, item) in items.iter().enumerate() {
        let mut how_many = (weights[index] * n as f64 / total).floor() as usize;
        if how_many < 1 {
            return Err(Error::invalid(
                "payload",
                format!(
                    "weight of payload {index} is too small for num {num}: increase num or the weight"
                ),
            ));
        }
        if index == items.len() - 1 {
            how_many = n.saturating_sub(events.len());
        }
        let body = body_of(item.get("payload").unwrap_or(&Value::Null));
        for _ in 0..how_many {
            events.push(Event {
                body: Some(body.clone()),
                payload_index: Some(index),
            });
        }
    }
    Ok(events)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn single_payload_is_repeated_num_times() {
        let events = generate(5, &json!({"iterations": 3})).unwrap();
        assert_eq!(events.len(), 5);
        assert_eq!(events[0].body.as_deref(), Some(&b"{\"iterations\":3}"[..]));
    }

    #[test]
    fn json_string_payload_is_sent_as_is() {
        assert_eq!(body_of(&json!("{\"a\":1}")), b"{\"a\":1}");
        assert_eq!(body_of(&json!("just a string")), b"\"just a string\"");
    }

    #[test]
    fn weighted_payloads_fill_num_by_relative_weight() {
        let p = json!([{"payload": {"a": 1}, "weight": 5}, {"payload": {"b": 2}, "weight": 15}]);
        let events = generate(10, &p).unwrap();
        assert_eq!(events.len(), 10);
        let first = events.iter().filter(|e| e.payload_index == Some(0)).count();
        assert_eq!(first, 2);
        assert_eq!(events[9].payload_index, Some(1));
    }

    #[test]
    fn weighted_payloads_reject_a_num_too_small() {
        let p = json!([{"payload": 1, "weight": 1}, {"payload": 2, "weight": 100}]);
        let err = generate(5, &p).unwrap_err().to_string();
        assert!(err.contains("payload"), "{err}");
    }
}
