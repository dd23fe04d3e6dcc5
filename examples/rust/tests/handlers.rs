//! The example functions' shared computation behaves as the tests and benchmarks rely on.
//! (Having an integration test also makes a workspace test run build the example binaries,
//! which the emulator's tests run as Lambda `bootstrap` executables.)

use std::time::{Duration, Instant};

#[test]
fn hash_rounds_is_deterministic_and_depends_on_the_iteration_count() {
    assert_eq!(
        example_functions::hash_rounds(1000),
        example_functions::hash_rounds(1000)
    );
    assert_ne!(
        example_functions::hash_rounds(1000),
        example_functions::hash_rounds(1001)
    );
}

#[test]
fn busy_for_spins_at_least_the_requested_time() {
    let start = Instant::now();
    example_functions::busy_for(Duration::from_millis(20));
    assert!(start.elapsed() >= Duration::from_millis(20));
}

#[test]
fn the_example_binaries_are_built_for_the_tests() {
    for bin in [
        env!("CARGO_BIN_EXE_cpu-bound"),
        env!("CARGO_BIN_EXE_io-bound"),
        env!("CARGO_BIN_EXE_faulty"),
    ] {
        assert!(std::path::Path::new(bin).is_file(), "{bin}");
    }
}
