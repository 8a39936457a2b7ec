"""Plain data types: the report, its evidence and grounding, dates, figures, names.

Imports nothing outside ``summarizer.core`` except pydantic (checked by import-linter).
"""
