"""The app tries its routers busiest first (foryou.app), which is safe only while no route
could answer another's requests: then the order changes what matching costs, not who
answers."""

from __future__ import annotations

import re

from starlette.routing import compile_path

from foryou.app import create_app


def test_no_route_answers_another_routes_paths() -> None:
    operations = [
        (method.upper(), path)
        for path, methods in create_app().openapi()["paths"].items()
        for method in methods
    ]
    assert len(operations) > 30
    pattern = {path: compile_path(path)[0] for _, path in operations}
    shadowed = [
        (method, path, other)
        for method, path in operations
        for other_method, other in operations
        if other != path
        and other_method == method
        and pattern[path].match(re.sub(r"\{[^}]+\}", "123", other))
    ]
    assert shadowed == []
