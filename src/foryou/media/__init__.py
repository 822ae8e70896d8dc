"""The media pipeline: validate, transcode, package, screen. Pure helpers need no settings."""
