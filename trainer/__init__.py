"""The domain core of the IHL training assistant: content, scoring, progress, reports.

Plain Python, importable and testable without a Rasa server.
"""
