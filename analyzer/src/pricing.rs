//! Prices of Lambda and Step Functions and the cost of one invocation, from a data-driven price table compiled in.
