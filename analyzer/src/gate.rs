//! Cold-start regression verdicts: does the current run differ from the baseline significantly and by more than the noise threshold.
