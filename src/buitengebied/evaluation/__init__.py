"""Stage 4, evaluation: backtests against later finds, baselines, metrics, bias, the report."""
