"""Voting: rounds, topics, suggestions, ballots, invitations, results."""
