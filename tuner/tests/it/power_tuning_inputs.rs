//! aws-lambda-power-tuning's documented execution inputs are accepted unchanged.

use tuner::steps::RunInput;
use tuner::steps::initialize::validate;

fn fixture(name: &str) -> RunInput {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn documented_execution_input_is_accepted_unchanged() {
    let input = fixture("power-tuning-execution-input.json");
    let plan = validate(&input).unwrap();
    let memories: Vec<u32> = plan.memory_sizes.iter().map(|m| m.get()).collect();
    assert_eq!(memories, vec![128, 256, 512, 1024, 1536, 2048, 3008]);
    assert_eq!(plan.num, 50);
    assert!(input.tuning.parallel_invocation);
    assert_eq!(input.tuning.strategy, analyzer::result::Strategy::Cost);
    assert_eq!(input.allowed_exceptions, vec!["HandledError".to_owned()]);
}

#[test]
fn documented_weighted_payload_spreads_num_by_weight() {
    let input = fixture("power-tuning-weighted-payload.json");
    validate(&input).unwrap();
    let events =
        tuner::payload::generate(input.tuning.num, input.tuning.payload.as_ref().unwrap()).unwrap();
    let count = |i| events.iter().filter(|e| e.payload_index == Some(i)).count();
    assert_eq!((count(0), count(1), count(2)), (5, 15, 30));
}
