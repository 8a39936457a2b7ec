"""The JSON-only response cache and its backends."""
