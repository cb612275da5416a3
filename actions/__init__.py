"""Custom actions of Tero and Paavo, served by one rasa-sdk action server.

Answer texts come from the catalogue at run time (see `actions.state`), so an
edited definition or service description goes live without retraining.
"""
