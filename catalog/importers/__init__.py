"""Readers for the data sources the catalog imports. Plain Python, no Django.

Every reader parses its whole file before anything is written, and reports a bad line as
ImportFileError(path, line, reason), so a broken file never reaches the database.
"""
