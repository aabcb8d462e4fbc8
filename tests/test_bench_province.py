"""benchmarks/province.py writes its county batches through the importer's own `_write` and takes
them back with `rollback_batch`: run both on a small generated province, so a change of the
importer's signatures cannot leave the benchmark broken until its next full run."""
from __future__ import annotations

import sys
from pathlib import Path

from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
import province  # noqa: E402  (the benchmark is a script folder, not a package)

from dashboard.db import get_engine  # noqa: E402


def test_a_county_batch_is_written_and_rolled_back(tmp_path):
    url = f"sqlite:///{tmp_path / 'province.sqlite'}"
    province.build_database(url, tmp_path / "province.yaml", enterprises=300, samples=2_000, leader=None)
    engine, conf = get_engine(url), province.province_conf()
    try:
        unit = province.county_ids(engine, conf)[0]

        def county_rows() -> tuple[int, int]:
            with engine.connect() as conn:
                return conn.execute(text(
                    "select count(*), count(distinct s.batch_id) from sampling s join upload_batch b using (batch_id) "
                    "where b.file_name = :f and b.status = 'committed'"), {"f": province.COUNTY_FILE}).one()

        province.county_upload(engine, conf, unit)
        assert county_rows() == (province.COUNTY_ROWS, 1)
        with engine.connect() as conn:
            assert conn.execute(text("select count(*) from sampling")).scalar_one() == 2_000 + province.COUNTY_ROWS
        province.county_rollback(engine, conf)
        assert county_rows() == (0, 0)
        with engine.connect() as conn:
            assert conn.execute(text("select count(*) from sampling")).scalar_one() == 2_000
    finally:
        engine.dispose()
