"""`reportedly demo` as a new user runs it: the Geneva story served, and a way to write."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import httpx
import pytest

from tests.test_server_process import ROOT, _wait_until_up, free_port, stop

FT = {"name": "Financial Times", "published": "2024-01-11"}


def test_the_demo_serves_geneva_and_prints_a_token_to_write_with(tmp_path: Path) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("REPORTEDLY_")}
    env |= {"REPORTEDLY_DATA_DIR": str(tmp_path), "REPORTEDLY_PORT": str(port), "COLUMNS": "80"}
    log_path = tmp_path / "demo.log"
    with log_path.open("wb") as log:
        demo = subprocess.Popen(
            ["reportedly", "demo"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
        )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(url, demo, log_path)  # the banner was printed before it served
        said = log_path.read_text()
        assert f"{url}/stories/geneva-ai-talks/timeline" in said
        found = re.search(r"sign in at \S+/signin with the token (\S+)", said)
        assert found, said
        token = found.group(1)
        page = httpx.get(f"{url}/stories/geneva-ai-talks/timeline")
        assert page.status_code == 200 and "Geneva" in page.text
        # The printed token signs a browser in and writes, as the desk does.
        with httpx.Client(base_url=url) as browser:
            signed = browser.post("/signin", data={"token": token, "next": "/"})
            assert signed.status_code == 303
            fact = {"id": "demo-claim", "kind": "claim", "occurred": "2024-01", "subject": "a",
                    "predicate": "said", "object": "b", "sources": [FT]}  # fmt: skip
            written = browser.post(
                "/stories/geneva-ai-talks/facts", json=fact, headers={"Origin": url}
            )
            assert written.status_code == 201, written.text
            stored = browser.get("/stories/geneva-ai-talks/facts/demo-claim").json()
            assert stored["lifecycle"][0]["writer"] == "desk"
    finally:
        stop(demo)
    if demo.returncode not in (0, -15):
        pytest.fail(log_path.read_text())
