"""foryou: a self-hostable short-video platform with a real-time For You feed."""

__version__ = "0.1.0"
