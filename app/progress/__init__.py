"""Learner progress: who is learning, what they read, and how they answered."""
