"""The OpenAPI document at /openapi.json (rendered at /docs) describes every route."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient

CONTRACT = {
    ("post", "/actors"), ("get", "/actors"), ("get", "/actors/{actor_id}"),
    ("post", "/stories"), ("get", "/stories"), ("get", "/stories/{story}"),
    ("post", "/stories/{story}/facts"), ("get", "/stories/{story}/facts"),
    ("get", "/stories/{story}/facts/{fact_id}"),
    ("post", "/stories/{story}/facts/{fact_id}/corroborations"),
    ("post", "/stories/{story}/facts/{fact_id}/disputes"),
    ("post", "/stories/{story}/facts/{fact_id}/corrections"),
    ("post", "/stories/{story}/facts/{fact_id}/retraction"),
    ("get", "/stories/{story}/picture"), ("get", "/stories/{story}/changes"),
    ("get", "/stories/{story}/export"), ("post", "/stories/{story}/import"),
    ("get", "/stories/{story}/stream"), ("get", "/health"),
}  # fmt: skip


def operations(client: TestClient) -> dict[tuple[str, str], dict[str, Any]]:
    spec = client.get("/openapi.json").json()
    return {(m, p): op for p, item in spec["paths"].items() for m, op in item.items()}


def test_every_route_of_the_contract_is_documented(client: TestClient) -> None:
    assert set(operations(client)) >= CONTRACT


def test_every_operation_has_a_one_line_summary_and_typed_responses(client: TestClient) -> None:
    for (method, path), op in operations(client).items():
        assert op.get("summary") and "\n" not in op["summary"], (method, path)
        ok = op["responses"].get("200") or op["responses"].get("201")
        assert ok is not None and ok.get("content"), (method, path)
        if (method, path) in CONTRACT and path != "/health":
            errors = {s for s in op["responses"] if s.startswith("4")}
            assert "422" in errors or (method == "get" and "{" not in path), (method, path)


def test_every_request_body_shows_a_geneva_example(client: TestClient) -> None:
    for (method, path), op in operations(client).items():
        body = op.get("requestBody")
        if body is None:
            continue
        text = repr(body["content"])
        assert "example" in text and ("geneva" in text.lower() or "openai" in text), (method, path)


def test_the_writes_declare_bearer_auth_and_reads_do_not(client: TestClient) -> None:
    ops = operations(client)
    assert ops[("post", "/stories/{story}/facts")]["security"] == [{"HTTPBearer": []}]
    assert "security" not in ops[("get", "/stories/{story}/facts")]


def test_the_docs_page_is_served_without_any_other_host(client: TestClient) -> None:
    response = client.get("/docs")
    assert response.status_code == 200 and "swagger" in response.text.lower()
    assert "http://" not in response.text and "https://" not in response.text
    scripts = re.findall(r'src="([^"]+)"', response.text)
    assert scripts and all(client.get(src).status_code == 200 for src in scripts)
