"""Prometheus metrics, per route template (never per raw path, which would explode labels)."""

from __future__ import annotations

from prometheus_client import CONTENT_TYPE_LATEST, Counter, Histogram, generate_latest

REQUESTS = Counter(
    "foryou_http_requests_total", "HTTP requests handled", ["method", "route", "status"]
)
LATENCY = Histogram(
    "foryou_http_request_duration_seconds",
    "HTTP request latency",
    ["method", "route"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
EVENTS_PUBLISHED = Counter("foryou_events_published_total", "Events appended", ["topic"])
EVENTS_CONSUMED = Counter(
    "foryou_events_consumed_total", "Events applied by stream processors", ["consumer"]
)
CONSUMER_LAG = Histogram(
    "foryou_consumer_lag_seconds",
    "Time from an event's append to its processing",
    ["consumer"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
RATE_LIMITED = Counter("foryou_rate_limited_total", "Requests refused by rate limits", ["scope"])
RATE_LIMIT_UNAVAILABLE = Counter(
    "foryou_rate_limit_unavailable_total", "Requests let through because kv did not answer"
)


def render() -> tuple[bytes, str]:
    return generate_latest(), CONTENT_TYPE_LATEST
