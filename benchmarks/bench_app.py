"""Benchmark of the app on the bundled demo: the what-if mix and the first map draw.

Run::

    python benchmarks/bench_app.py [--repeats N]

Measures, on ``data/demo`` as known on 2026-11-01 (gemeente Bronckhorst, 20,000 addresses):

- the *what-if* mix as the Kaart page computes it when a slider moves: the weighted sum of
  the cached per-factor strengths per cell and per address, the legend classes, the PNG of
  the surface and the top addresses as a municipality sees them (median of N);
- its baseline, the full expert analysis (evidence and fusion of the loaded data), which a
  what-if without cached strengths would redo;
- the first map draw in a real browser: ``buitengebied app`` started on a free port with a
  temporary store and the demo accounts, Debian's Chromium (Playwright) logs in as
  *gemeente* and waits until the map holds its risk image.  The log-in page starts the
  analysis in the background: logging in at once waits for it; a user who takes
  :data:`TYPING_S` to type finds it (nearly) done (a fresh server each); a second log-in
  (new browser context) finds it cached;
- its baseline, the same browser loading the log-in page.

Ratios are baseline / measured.  Nothing here asserts on time.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "e2e"))

from buitengebied.load.directory import load_data_dir  # noqa: E402
from buitengebied.presentation import maplayers  # noqa: E402
from buitengebied.scoring.analysis import analyse  # noqa: E402
from buitengebied.timeutil import parse_as_of  # noqa: E402

AS_OF = "2026-11-01"


def _median_s(action, repeats: int) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def bench_what_if(repeats: int) -> None:
    dataset = load_data_dir(REPO / "data" / "demo")
    as_of = parse_as_of(AS_OF)
    analysis = analyse(dataset, as_of=as_of)
    grid = maplayers.strength_grid(analysis)
    strengths = maplayers.address_strengths(analysis)
    weights = {name: weight * 1.5 for name, weight in maplayers.default_weights(analysis).items()}

    def mix() -> None:
        surface = maplayers.mix_grid(grid, weights)
        maplayers.surface_png(surface, maplayers.risk_classes(surface))
        maplayers.address_markers("municipality", analysis, strengths, weights, top_n=250)

    mix_s = _median_s(mix, repeats)
    full_s = _median_s(lambda: analyse(dataset, as_of=as_of), max(3, repeats // 10))
    print(f"what-if mix (cells + addresses + PNG + 250 markers): {1000 * mix_s:8.1f} ms")
    print(f"baseline: full expert analysis of the loaded demo:    {1000 * full_s:8.1f} ms")
    print(f"ratio baseline / what-if:                             {full_s / mix_s:8.1f} x")


#: Seconds a user takes to type name and password (the server prepares the map meanwhile).
TYPING_S = 10.0


def bench_first_map() -> None:
    import e2e_app
    from playwright.sync_api import sync_playwright

    timings: dict[str, float] = {}
    with sync_playwright() as driver:
        browser = driver.chromium.launch(
            executable_path=e2e_app.CHROMIUM, headless=True, args=["--no-sandbox"]
        )
        for typing_s in (0.0, TYPING_S):
            with tempfile.TemporaryDirectory() as folder:
                starting = e2e_app.app_url.__wrapped__(Path(folder) / "store.sqlite")  # type: ignore[attr-defined]
                url = next(starting)
                try:
                    first = f"fresh server, log-in after {typing_s:.0f} s typing"
                    timings.update(_log_in_and_draw(browser, url, first, typing_s))
                    if typing_s:
                        timings.update(_log_in_and_draw(browser, url, "second log-in (cached)", 0))
                finally:
                    next(starting, None)
        browser.close()
    baseline = timings.pop("log-in page")
    for label, seconds in timings.items():
        print(f"map drawn, {label:<38} {seconds:6.2f} s  ({seconds / baseline:5.1f} x)")
    print(f"baseline: the log-in page loads in                  {baseline:6.2f} s")


def _log_in_and_draw(browser, url: str, label: str, typing_s: float) -> dict[str, float]:  # type: ignore[no-untyped-def]
    """Open the log-in page, wait ``typing_s``, log in as *gemeente*, time the risk image."""
    import e2e_app

    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(120_000)
    start = time.perf_counter()
    page.goto(url)
    page.get_by_role("button", name="Inloggen").wait_for()
    login_page_s = time.perf_counter() - start
    time.sleep(typing_s)
    page.get_by_label("Gebruikersnaam").fill("gemeente")
    page.get_by_label("Wachtwoord").fill(e2e_app.DEMO_PASSWORD)
    start = time.perf_counter()
    page.get_by_role("button", name="Inloggen").click()
    e2e_app.map_frame(page).locator("img.leaflet-image-layer").wait_for(state="attached")
    drawn_s = time.perf_counter() - start
    context.close()
    return {"log-in page": login_page_s, label: drawn_s}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=50)
    parser.add_argument("--no-browser", action="store_true", help="only the what-if mix")
    args = parser.parse_args()
    bench_what_if(args.repeats)
    if not args.no_browser:
        bench_first_map()


if __name__ == "__main__":
    main()
