"""Stage 5, evaluation: backtests against later finds, baselines, metrics, bias, the report."""
