"""The page in real headless Chromium: the app runs under uvicorn on a free port (SQLite in tmp_path);
Chromium loads ``/``, runs its script against the API, and the dumped DOM must show a chart whose marks
and a table whose rows carry the data ``POST /v1/curves {}`` returns. A screenshot is kept in
``test-artifacts/ui.png``.

Chromium missing fails the test unless COSTCURVE_SKIP_MISSING_SERVICES=1."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from html.parser import HTMLParser
from pathlib import Path

import httpx
import pytest

pytestmark = pytest.mark.browser

CHROMIUM = os.environ.get("COSTCURVE_CHROMIUM", "/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"


def _chromium() -> str:
    if not Path(CHROMIUM).exists():
        message = f"headless Chromium is not installed at {CHROMIUM} (apt-get install -y chromium)"
        if os.environ.get("COSTCURVE_SKIP_MISSING_SERVICES") == "1":
            pytest.skip(message)
        pytest.fail(message + "; or set COSTCURVE_SKIP_MISSING_SERVICES=1 to skip")
    return CHROMIUM


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def server(tmp_path):
    port = _free_port()
    env = {**os.environ, "COSTCURVE_DATABASE_URL": f"sqlite:///{tmp_path / 'ui.sqlite3'}",
           "COSTCURVE_REDIS_URL": "", "COSTCURVE_AUTO_MIGRATE": "true"}
    env.pop("COSTCURVE_REDIS_URL")
    log = open(tmp_path / "uvicorn.log", "wb")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "--factory", "service.main:create_app", "--host", "127.0.0.1",
         "--port", str(port), "--log-level", "warning"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(base + "/livez", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail("the server did not start: " + (tmp_path / "uvicorn.log").read_text(errors="replace"))
            time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def _chrome(binary: str, profile: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [binary, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         f"--user-data-dir={profile}", "--virtual-time-budget=20000", *args],
        capture_output=True, timeout=120, check=False,
    )


class _Dom(HTMLParser):
    """Collects the chart marks (by the chart they sit in) and the table rows of the dumped DOM."""

    def __init__(self) -> None:
        super().__init__()
        self.chart: str | None = None
        self.charts: list[str] = []
        self.marks: dict[str, list[dict]] = {}
        self.rows: list[dict] = []
        self.texts: dict[str, list[str]] = {}
        self.axis_titles: list[str] = []
        self._in_axis_title = False
        self.status = ""
        self._in_status = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "svg" and a.get("data-kind"):
            self.chart = a["data-kind"]
            self.charts.append(self.chart)
        if tag == "circle" and "mark" in (a.get("class") or "").split() and self.chart:
            self.marks.setdefault(self.chart, []).append(a)
        if tag == "tr" and a.get("data-model") and a.get("data-platform"):
            self.rows.append(a)
        self._in_axis_title = tag == "text" and a.get("class") == "axis-title"
        self._in_status = a.get("id") == "status"

    def handle_endtag(self, tag):
        if tag == "svg":
            self.chart = None
        self._in_axis_title = False
        self._in_status = False

    def handle_data(self, data):
        if self._in_axis_title:
            self.axis_titles.append(data)
        if self._in_status:
            self.status += data


def test_the_page_draws_the_curve_frontier_and_table_from_the_api(server, tmp_path):
    binary = _chromium()
    api = httpx.post(server + "/v1/curves", json={}, timeout=60).json()

    dumped = _chrome(binary, tmp_path / "profile", "--dump-dom", server + "/")
    assert dumped.returncode == 0, dumped.stderr.decode(errors="replace")[-2000:]
    dom = _Dom()
    dom.feed(dumped.stdout.decode("utf-8", errors="replace"))
    assert dom.status.startswith("Done"), f"page status: {dom.status!r}"
    assert dom.charts == ["curves", "frontier"]

    expected = {(p["model"], p["platform"]): p["usd_per_million_output_tokens"] for p in api["points"]}
    marks = {(m["data-model"], m["data-platform"]): float(m["data-usd-per-m"]) for m in dom.marks["curves"]}
    assert len(dom.marks["curves"]) == len(api["points"]) >= 8
    assert marks.keys() == expected.keys()
    for key, value in marks.items():
        assert value == pytest.approx(expected[key], rel=1e-12)
    assert dom.marks["frontier"], "the frontier chart has data marks"
    assert any("USD per million output tokens" in t for t in dom.axis_titles)

    rows = [(r["data-model"], r["data-platform"], float(r["data-usd-per-m"])) for r in dom.rows]
    assert [(m, p) for m, p, _ in rows] == [(p["model"], p["platform"]) for p in api["points"]]
    for (_, _, value), point in zip(rows, api["points"], strict=True):
        assert value == pytest.approx(point["usd_per_million_output_tokens"], rel=1e-12)

    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "ui.png"
    shot.unlink(missing_ok=True)
    taken = _chrome(binary, tmp_path / "profile-shot", f"--screenshot={shot}", "--window-size=1280,1600",
                    server + "/")
    assert taken.returncode == 0 and shot.exists() and shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_page_is_embeddable_with_query_parameters(server, tmp_path):
    binary = _chromium()
    url = server + "/ui?models=llama-3.1-8b,llama-3.1-70b&platforms=nvidia-b200,amd-mi300x&embed=1"
    dumped = _chrome(binary, tmp_path / "profile", "--dump-dom", url)
    dom = _Dom()
    dom.feed(dumped.stdout.decode("utf-8", errors="replace"))
    assert dom.status.startswith("Done"), dom.status
    assert {(m["data-model"], m["data-platform"]) for m in dom.marks["curves"]} <= {
        (m, p) for m in ("llama-3.1-8b", "llama-3.1-70b") for p in ("nvidia-b200", "amd-mi300x")}
    assert len(dom.rows) == len(dom.marks["curves"]) >= 3
    chart = httpx.get(server + "/v1/curves.svg?models=llama-3.1-8b,llama-3.1-70b&platforms=nvidia-b200,amd-mi300x")
    assert chart.status_code == 200 and chart.headers["content-type"] == "image/svg+xml"
