"""Fandom events' challenges: tag sets (what an exchange's sign-ups may name) and the gift
exchange's matching (`matching.py`, pure)."""
