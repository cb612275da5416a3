"""The question log: one row per student message, without personal data.

model.py (the table), writer.py (never blocks, never loses), broker.py (Rasa
event broker that turns conversation events into rows), retention.py.
"""
