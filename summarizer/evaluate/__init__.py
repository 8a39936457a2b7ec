"""Scoring reports against hand-written gold."""
