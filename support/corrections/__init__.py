"""Corrections and clarifications: readers suggest them from any article, editors triage them
in a queue, and a public log lists what was corrected."""
