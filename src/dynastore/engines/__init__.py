"""Engines: the embedded SQLite engine and the DynamoDB engine."""
