"""Ranking signals: each maps candidates to raw scores; :mod:`.fusion` normalises and weights them."""
