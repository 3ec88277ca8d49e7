"""Offline evaluation: published protocols on public data, baselines side by side, one report.

``chatrec eval run`` measures the library baselines (popularity, item-kNN, ALS, BPR), the
content signal, the hybrid fusion and the hybrid followed by the LLM re-rank on the same
splits; ``chatrec eval tune`` fits the fusion weights on a validation split and saves them
into a scenario file.
"""
