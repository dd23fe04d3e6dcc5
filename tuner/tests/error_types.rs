//! The state machine's Retry/Catch blocks name only error types the steps can raise.

#[test]
fn every_powertune_error_the_state_machine_matches_is_raised_by_the_steps() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../state-machine/powertune.asl.json"
    );
    let asl: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let mut named = Vec::new();
    collect(&asl, &mut named);
    assert!(
        !named.is_empty(),
        "the state machine matches no PowerTune error"
    );
    for name in named {
        assert!(
            tuner::ERROR_TYPES.contains(&name.as_str()),
            "{name} is matched by the state machine but no step raises it"
        );
    }
}

fn collect(value: &serde_json::Value, out: &mut Vec<String>) {
    match value {
        serde_json::Value::Object(map) => {
            for (key, v) in map {
                if key == "ErrorEquals" {
                    for e in v.as_array().into_iter().flatten() {
                        if let Some(s) = e.as_str().filter(|s| s.starts_with("PowerTune.")) {
                            out.push(s.to_owned());
                        }
                    }
                } else {
                    collect(v, out);
                }
            }
        }
        serde_json::Value::Array(items) => items.iter().for_each(|v| collect(v, out)),
        _ => {}
    }
}
