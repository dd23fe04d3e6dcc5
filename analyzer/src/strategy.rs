//! The `cost`, `speed` and `balanced` strategies of aws-lambda-power-tuning, the Pareto frontier over (cost, time), and recommendations.
