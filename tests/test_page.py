"""The tour's page for a teacher: lecture titles, claims with sources, what to look at, seed spreads,
and a real browser (headless Chromium) that loads it: every image loaded, no horizontal scroll at 1280 px."""
from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
from dataclasses import dataclass, field

import pytest
from tour_cache import quick_tour

from gradsight.claims import ClaimResult
from gradsight.page import docstring_of, lecture_of, write_page
from gradsight.tour import discover, examples_dir

pytestmark = pytest.mark.xdist_group("gradsight_tour")  # shares the one quick tour run with test_tour.py


@dataclass
class FakeRun:
    number: int
    name: str
    claims: list
    output: str = ""
    figures: list = field(default_factory=list)
    seconds: float = 0.5
    error: str | None = None


def test_every_experiment_states_its_lecture_and_hints_only_at_its_own_figures():
    for path in discover(examples_dir()).values():
        lecture = lecture_of(path)
        assert lecture is not None, f"{path.name} has no LECTURE constant"
        assert lecture.title and lecture.claim and lecture.source, path.name
        source = path.read_text()
        for stem in lecture.look_at:
            assert f'"{stem}"' in source, f"{path.name}: a hint for figure {stem!r}, which the script never writes"


def test_page_quotes_the_lecture_and_shows_seed_spreads(tmp_path):
    folder = examples_dir()
    name = next(p.stem for n, p in discover(folder).items() if n == 3)
    figure_dir = tmp_path / name
    figure_dir.mkdir()
    figure = figure_dir / "sigmoid_graph.svg"
    figure.write_text("<svg xmlns='http://www.w3.org/2000/svg' width='10' height='10'></svg>")
    multi_seed = {"key": "k", "claim": "gradients shrink", "measured": "factor 0.24", "holds": True,
                  "verdict": "holds", "seeds_holding": 9, "seeds_total": 10, "verdicts": ["holds"] * 9 + ["fails"],
                  "spread": {"factor": {"median": 0.241, "min": 0.230, "max": 0.252}}}
    failing = ClaimResult("f", "tanh keeps it", "factor 0.5", False)
    page = write_page([FakeRun(3, name, [multi_seed, failing], figures=[figure])], tmp_path, quick=True,
                      seeds=list(range(10))).read_text()
    lecture = lecture_of(folder / f"{name}.py")
    assert html.escape(f"3. {lecture.title}") in page and html.escape(lecture.source) in page
    assert f"<blockquote>{html.escape(lecture.claim)}" in page
    assert "What to look at:" in page and html.escape(lecture.look_at["sigmoid_graph"]) in page
    assert "9 / 10" in page and "0.241 [0.23 … 0.252]" in page and "seeds 0, 1, 2" in page
    assert "class='fails'>FAILS" in page and "1 of 2 claims hold" in page
    assert "class='graph'" in page  # an SVG graph sits at natural size in a scroll box, never shrunk
    assert "@media print" in page


def test_contents_table_tells_a_claim_stated_as_not_reproduced_from_a_failure(tmp_path):
    folder = examples_dir()
    name = next(p.stem for n, p in discover(folder).items() if n == 3)
    held = ClaimResult("h", "holds here", "1", True)
    unreproduced = ClaimResult("u", "not at this scale", "2", False, {}, "not reproduced")
    page = write_page([FakeRun(3, name, [held, unreproduced])], tmp_path, quick=True).read_text()
    assert "class='not-reproduced'>1 of 2, 1 not reproduced</td>" in page
    failing = ClaimResult("f", "does not hold", "3", False)
    page = write_page([FakeRun(3, name, [held, unreproduced, failing])], tmp_path, quick=True).read_text()
    assert "class='fails'>1 of 3, 1 not reproduced</td>" in page


def test_docstring_fallback_names_the_experiment_in_words(tmp_path):
    script = tmp_path / "e99_example.py"
    script.write_text('"""Experiment 99: activations and\n their gradients.\n\nMore words."""\n')
    assert docstring_of(script) == "Activations and their gradients."


BROWSER_CHECK = """<script>
window.addEventListener('load', () => {
  const images = [...document.images];
  const result = {images: images.length,
    broken: images.filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.getAttribute('src')),
    scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth,
    wide: [...document.querySelectorAll('table, pre, figure, blockquote')]
      .filter(e => e.getBoundingClientRect().right > window.innerWidth).map(e => e.tagName)};
  const out = document.createElement('pre');
  out.id = 'browser-check';
  out.textContent = JSON.stringify(result);
  document.body.appendChild(out);
});
</script>"""


def chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


def test_the_tour_page_in_a_real_browser():
    browser = chromium()
    if browser is None:
        print("headless Chromium is missing; install it with: sudo apt-get install chromium  (Debian/Ubuntu)")
        pytest.skip("no Chromium: sudo apt-get install chromium")
    tour = quick_tour()
    page = tour.out / "index.html"
    checked = tour.out / "browser_check.html"
    checked.write_text(page.read_text().replace("</body>", BROWSER_CHECK + "</body>"))
    dom = subprocess.run(
        [browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--window-size=1280,900",
         "--virtual-time-budget=20000", "--allow-file-access-from-files", "--dump-dom", checked.as_uri()],
        capture_output=True, text=True, timeout=180)
    found = re.search(r'<pre id="browser-check">(.*?)</pre>', dom.stdout, flags=re.S)
    assert found, f"the page's check did not run: {dom.stderr[-2000:]}"
    result = json.loads(found.group(1).replace("&quot;", '"').replace("&amp;", "&"))
    assert result["innerWidth"] == 1280, result
    assert result["images"] >= 14 and not result["broken"], result
    assert result["scrollWidth"] <= result["innerWidth"] and not result["wide"], result
