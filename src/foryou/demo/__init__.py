"""The demo platform of ``foryou seed --demo``: creators, clips drawn by ffmpeg and
simulated viewing, all through the real upload path, media jobs and event log."""

DEFAULT_VIDEOS = 36
DEFAULT_VIEWERS = 30
