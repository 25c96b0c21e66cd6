"""Trainee page: bytes transferred and time to the first bot message, in headless Chromium.

    .venv/bin/python benchmarks/web_page.py --web http://127.0.0.1:8080 [--runs 5]

Run against `make run` (or any deployment reachable on loopback). Each run uses a fresh
browser profile, so nothing is cached. As a baseline measured in the same run, the time to load
the bare page (HTML and CSS, no widget) is reported too, and the first-message time as a ratio
of it. Writes benchmarks/results/web_page.json.
"""

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from harness.browser import CHROMIUM_ARGS  # noqa: E402  (the flags the tests' Chromium needs too)


def measure(browser, url: str, wait_for_bot: bool) -> dict:
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    session = context.new_cdp_session(page)
    session.send("Network.enable")
    transferred = []
    session.on("Network.loadingFinished", lambda event: transferred.append(event["encodedDataLength"]))
    started = time.perf_counter()
    page.goto(url, wait_until="load")
    loaded = time.perf_counter() - started
    first_message = None
    if wait_for_bot:
        page.wait_for_selector(".rw-response", timeout=60_000)
        first_message = time.perf_counter() - started
    page.wait_for_timeout(300)
    context.close()
    return {"loaded_s": loaded, "first_bot_message_s": first_message, "bytes": sum(transferred)}


def main() -> None:
    from playwright.sync_api import sync_playwright

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--web", default="http://127.0.0.1:8080")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=args.chromium, args=CHROMIUM_ARGS)
        page_runs = [measure(browser, f"{args.web}/?lang=fr", True) for _ in range(args.runs)]
        bare_runs = [measure(browser, f"{args.web}/static/page.css", False) for _ in range(args.runs)]
        browser.close()
    report = {
        "runs": args.runs,
        "page_bytes_transferred": max(r["bytes"] for r in page_runs),
        "first_bot_message_s_median": round(statistics.median(r["first_bot_message_s"] for r in page_runs), 3),
        "first_bot_message_s_max": round(max(r["first_bot_message_s"] for r in page_runs), 3),
        "baseline_bare_load_s_median": round(statistics.median(r["loaded_s"] for r in bare_runs), 3),
    }
    report["first_message_over_baseline"] = round(
        report["first_bot_message_s_median"] / max(report["baseline_bare_load_s_median"], 1e-3), 1
    )
    print(f"page transferred:           {report['page_bytes_transferred'] / 1024:.0f} KiB (target < 1024 KiB)")
    print(
        f"first bot message (median): {report['first_bot_message_s_median']:.2f} s (max "
        f"{report['first_bot_message_s_max']:.2f} s; target < 3 s)"
    )
    print(
        f"baseline bare load:         {report['baseline_bare_load_s_median']:.3f} s "
        f"(first message = {report['first_message_over_baseline']}x baseline)"
    )
    out = Path(__file__).resolve().parent / "results"
    out.mkdir(exist_ok=True)
    (out / "web_page.json").write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
