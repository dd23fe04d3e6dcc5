//! Concurrency figures: Little's law, reserved concurrency for a downstream limit, provisioned concurrency and its break-even.
