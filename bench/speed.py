"""Speed figures of a running service (printed, never asserted).

Starts ``costcurve serve`` on a free localhost port with a fresh SQLite catalog, then prints:

1. requests/s of a cached ``POST /v1/estimate`` and of ``GET /livez`` under the same load from the
   same client (wrk when installed, else a Python keep-alive client), and their ratio (target >= 0.7);
2. the median server time of an uncached estimate (target <= 5 ms), a maximum-throughput search and an
   SLO search with the deployment left to the engine (target <= 50 ms), from the ``Server-Timing`` header;
3. the time of an uncached ``POST /v1/curves`` with an empty body (target < 2 s), when that endpoint exists.

Usage: python bench/speed.py [--seconds 5] [--rounds 3] [--connections 16]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
ESTIMATE = {
    "model": "llama-3.1-70b",
    "platform": "nvidia-h100-sxm-80gb",
    "precision": "fp8",
    "num_accelerators": 8,
    "workload": {"input_tokens": 1024, "output_tokens": 1024, "concurrency": 64},
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(tmp: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = dict(os.environ, COSTCURVE_DATABASE_URL=f"sqlite:///{tmp / 'bench.sqlite3'}")
    env.pop("COSTCURVE_REDIS_URL", None)
    cli = [sys.executable, "-m", "service.cli", "serve", "--port", str(port), "--no-access-log",
           "--log-level", "warning"]
    proc = subprocess.Popen(cli, cwd=ROOT, env=env)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(url + "/readyz", timeout=1).status_code == 200:
                return proc, url
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    proc.kill()
    raise SystemExit("the server did not become ready within 60 s")


def load_wrk(url: str, path: str, body: dict | None, seconds: int, connections: int) -> float:
    script = None
    args = ["wrk", "-t", "1", "-c", str(connections), "-d", f"{seconds}s"]
    if body is not None:
        script = tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False)
        script.write('wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\n'
                     f"wrk.body = {json.dumps(json.dumps(body))}\n")
        script.close()
        args += ["-s", script.name]
    out = subprocess.run(args + [url + path], capture_output=True, text=True, check=True).stdout
    if script:
        os.unlink(script.name)
    for line in out.splitlines():
        if line.startswith("Requests/sec:"):
            return float(line.split()[1])
    raise RuntimeError(out)


def load_python(url: str, path: str, body: dict | None, seconds: int, connections: int) -> float:
    count = [0] * connections
    stop = time.monotonic() + seconds

    def worker(i: int) -> None:
        with httpx.Client(base_url=url) as client:
            while time.monotonic() < stop:
                r = client.post(path, json=body) if body is not None else client.get(path)
                r.raise_for_status()
                count[i] += 1

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(connections)]
    start = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(count) / (time.monotonic() - start)


def server_ms(response: httpx.Response) -> float:
    timing = response.headers.get("server-timing", "")
    for part in timing.split(","):
        if "dur=" in part:
            return float(part.split("dur=")[1].split(";")[0])
    raise RuntimeError(f"no Server-Timing header on {response.request.url}")


def median_server_ms(client: httpx.Client, bodies: list[dict]) -> float:
    times = []
    for body in bodies:
        r = client.post("/v1/estimate", json=body)
        r.raise_for_status()
        assert r.headers["x-cache"] == "miss", "expected an uncached answer"
        times.append(server_ms(r))
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=16)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        proc, url = start_server(Path(tmp))
        try:
            load = load_wrk if shutil.which("wrk") else load_python
            client_name = "wrk (1 thread)" if shutil.which("wrk") else "python httpx threads"
            with httpx.Client(base_url=url, timeout=60) as client:
                client.post("/v1/estimate", json=ESTIMATE).raise_for_status()  # warm the cache
                load(url, "/livez", None, 2, args.connections)  # warm-up
                load(url, "/v1/estimate", ESTIMATE, 2, args.connections)
                livez_runs, cached_runs = [], []
                for _ in range(args.rounds):  # alternate, so drift on the machine hits both alike
                    livez_runs.append(load(url, "/livez", None, args.seconds, args.connections))
                    cached_runs.append(load(url, "/v1/estimate", ESTIMATE, args.seconds, args.connections))
                livez, cached = statistics.median(livez_runs), statistics.median(cached_runs)
                print(f"load client: {client_name}, {args.connections} connections, {args.rounds} alternating "
                      f"rounds of {args.seconds} s per endpoint; medians")
                print(f"GET /livez                 {livez:10.0f} requests/s  (rounds: "
                      + ", ".join(f"{r:.0f}" for r in livez_runs) + ")")
                print(f"POST /v1/estimate (cached) {cached:10.0f} requests/s  (rounds: "
                      + ", ".join(f"{r:.0f}" for r in cached_runs) + ")")
                print(f"ratio cached estimate / livez: {cached / livez:.2f}  (target >= 0.7)")

                fixed = [dict(ESTIMATE, workload={"input_tokens": 1024, "output_tokens": 1024, "concurrency": c})
                         for c in range(1, 202, 4)]
                print(f"uncached fixed-deployment estimate, median server time: "
                      f"{median_server_ms(client, fixed):.2f} ms over {len(fixed)}  (target <= 5 ms)")
                models = ["llama-3.1-8b", "llama-3.1-70b", "qwen3-30b-a3b", "mixtral-8x7b", "gpt-oss-120b",
                          "deepseek-r1", "llama-3.1-405b", "qwen3-235b-a22b"]
                platforms = ["nvidia-h100-sxm-80gb", "nvidia-h200-sxm-141gb", "nvidia-b200", "amd-mi300x"]
                searches = [{"model": m, "platform": p, "workload": {"input_tokens": 1000 + i, "output_tokens": 1000}}
                            for i, (m, p) in enumerate((m, p) for m in models for p in platforms)]
                print(f"uncached max-throughput search (deployment chosen by the engine), median server time: "
                      f"{median_server_ms(client, searches):.2f} ms over {len(searches)}  (target <= 50 ms)")
                slo = [dict(s, slo={"ttft_ms": 2000, "tpot_ms": 50}) for s in searches]
                print(f"uncached SLO search (TTFT <= 2 s, TPOT <= 50 ms), median server time: "
                      f"{median_server_ms(client, slo):.2f} ms over {len(slo)}  (target <= 50 ms)")

                started = time.perf_counter()
                r = client.post("/v1/curves", json={})
                elapsed = time.perf_counter() - started
                if r.status_code == 404 and "No endpoint" in r.text:
                    print("POST /v1/curves: not served by this build")
                else:
                    r.raise_for_status()
                    body = r.json()
                    points = body.get("points", [])
                    n_models = len({p.get("model") for p in points}) or len(body.get("models", []))
                    n_platforms = len({p.get("platform") for p in points}) or len(body.get("platforms", []))
                    print(f"POST /v1/curves {{}} uncached: {elapsed:.2f} s wall-clock for {n_models} models x "
                          f"{n_platforms} platforms, X-Cache {r.headers.get('x-cache')}  (target < 2 s)")
                    started = time.perf_counter()
                    r = client.post("/v1/curves", json={})
                    print(f"POST /v1/curves {{}} repeated: {time.perf_counter() - started:.3f} s, "
                          f"X-Cache {r.headers.get('x-cache')}")
        finally:
            proc.terminate()
            proc.wait(timeout=10)


if __name__ == "__main__":
    main()
