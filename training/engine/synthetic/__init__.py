"""Synthetic training data generators and their validators. Plain Python."""
