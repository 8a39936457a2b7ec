"""Many articles: fan-out, budgets, sinks, scale-out and provider batches."""
