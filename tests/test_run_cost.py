"""What a page run need not repeat: each is checked to change nothing the user sees."""
from __future__ import annotations

import ast
import tomllib

import pyarrow as pa
from streamlit.runtime.scriptrunner import magic

from dashboard import altair_charts
from dashboard.campaign import load_campaign
from dashboard.ui import widgets
from tests.pages_support import PROJECT_DIR

SCRIPTS = [PROJECT_DIR / "app.py", *sorted((PROJECT_DIR / "app_pages").glob("*.py"))]


def test_magic_is_off_and_no_page_relies_on_it():
    """Streamlit's magic (a bare expression written to the page) is off in .streamlit/config.toml;
    with it on, no statement of app.py or a page would be written: turning it off hides nothing."""
    config = tomllib.loads((PROJECT_DIR / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["runner"]["magicEnabled"] is False
    for script in SCRIPTS:
        tree = magic.add_magic(script.read_text(encoding="utf-8"), str(script))
        written = [n for n in ast.walk(tree) if isinstance(n, ast.Attribute)
                   and isinstance(n.value, ast.Name) and n.value.id == magic.MAGIC_MODULE_NAME]
        assert written == [], script.name


def test_a_cached_chart_carries_its_rows_as_arrow():
    """widgets._chart_spec stores each dataset as the Arrow bytes the chart element sends (made
    once per data): read back, they are the rows Altair put in the spec, and nothing else changed."""
    conf = load_campaign()
    kind, args = "phase_timeline", (conf.phases, conf.start_date)
    spec = widgets._chart_spec.__wrapped__(kind, "test", args, ())
    altair = getattr(altair_charts, kind)(*args).to_dict()
    assert set(spec["datasets"]) == set(altair["datasets"])
    for name, rows in altair["datasets"].items():
        assert pa.ipc.open_stream(spec["datasets"][name]).read_all().to_pylist() == rows
    assert {k: v for k, v in spec.items() if k != "datasets"} == {k: v for k, v in altair.items() if k != "datasets"}
