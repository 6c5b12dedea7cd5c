"""Models of the supporter reports (read-only over billing; these hold only report data)."""
