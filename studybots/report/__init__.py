"""`make report`: what students ask, as a privacy-safe report for the city
and the student network.

sample.py (a realistic demo log), figures.py (SQL counts with small counts
suppressed), plots.py (matplotlib PNGs), html.py (the page, every text
escaped), texts.py (all page texts, per language), __main__.py (the command).
"""
