"""Moderation: screening signals, the review queue, decisions and the re-upload blocklist."""
