"""Seed 004: the blog tutorial's DynamoDB data (activities, likes, comments, sessions) in one table."""
