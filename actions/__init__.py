"""Rasa custom actions. Each stays thin and calls `trainer/` for the work."""
