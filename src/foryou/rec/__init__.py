"""The recommendation engine: the For You pipeline, its features and its models."""
