"""Custom Rasa NLU components (featurizers) used by config.yml."""
