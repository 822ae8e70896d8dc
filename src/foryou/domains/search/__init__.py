"""Search: videos by words and hashtags, users and hashtags by prefix, trending hashtags."""
