"""URL-scheme registry shared by the ports: ``open_<port>(url)`` picks the backend module."""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit


class UnknownBackend(ValueError):
    """The URL names a scheme no backend of the port handles."""


def open_backend(port: str, url: str, backends: Mapping[str, str], **options: Any) -> Any:
    """Import ``backends[scheme]`` (``module:factory``) lazily and call it with the URL.

    Lazy imports keep a laptop install from loading boto3 or aiokafka it never uses.
    """
    scheme = urlsplit(url).scheme.split("+", 1)[0]
    target = backends.get(scheme)
    if target is None:
        known = ", ".join(f"{s}://" for s in sorted(backends))
        raise UnknownBackend(f"{port}: no backend for {url!r}; use one of {known}")
    module_name, factory = target.split(":")
    module = importlib.import_module(module_name)
    return getattr(module, factory)(url, **options)


def redact(url: str) -> str:
    """The URL with any password hidden, for logs and ``foryou doctor``."""
    parts = urlsplit(url)
    if parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
        return parts._replace(netloc=netloc).geturl()
    return url
