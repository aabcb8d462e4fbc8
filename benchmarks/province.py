"""Province-scale benchmark (a script, not a test; CI does not run it).

    python benchmarks/province.py [--pg URL | --pg none] [--sqlite-path FILE] [--samples 2000000]
    python benchmarks/province.py --sqlite-path FILE --pg-db NAME --reuse   # keep and reuse the databases

Generates a three-level tree (a region, 10 prefectures, 100 county units), 20,000 enterprises,
2,000,000 监督抽检 rows and about 1,000,000 other records; loads them fast (PostgreSQL: COPY through
psycopg's cursor.copy, then VACUUM ANALYZE; SQLite: executemany in one big transaction), rebuilds
the rollups (dashboard.rollups), then times all nine targets for every unit of the tree in a window
with mid-month edges and in the whole campaign, on SQLite and PostgreSQL, read as the application
reads them (through the stored figures, dashboard.figures.stored) twice: the first read after one
county unit's upload (county_upload: 200 new 监督抽检 rows of that county written by the importer's
write path; the units it changed are counted again, checked against the count queries run directly)
and a read of figures already stored (the county batch rolled back); against DuckDB computing
the same figures with the raw-record queries of benchmarks/raw_queries/ (the count queries as they
were before any rollup existed) over in-memory tables. Prints timings and ratios, and checks that
the three engines give the same numerators and denominators. `run()` and `print_run()` are what
`python benchmarks/bench.py --scale province` calls; `build_database()` builds a province database
the app can open (DASHBOARD_DB_URL + DASHBOARD_CAMPAIGN=<the written YAML>, account leader).

DuckDB is a yardstick inside the benchmarks only (requirements-dev.txt).
"""
from __future__ import annotations

import argparse
import hashlib
import random
import re
import sys
import tempfile
import time
import uuid
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import duckdb  # noqa: E402
import pandas as pd  # noqa: E402
import yaml  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402

from dashboard.access import Viewer, system_viewer  # noqa: E402
from dashboard.auth import create_account  # noqa: E402
from dashboard.campaign import campaign_path, parse_campaign, sync_campaign  # noqa: E402
from dashboard.db import execute, get_engine, upgrade  # noqa: E402
from dashboard.figures import stored  # noqa: E402
from dashboard.figures.selection import query_params  # noqa: E402
from dashboard.importer import load  # noqa: E402
from dashboard.importer.load import lock_writers  # noqa: E402
from dashboard.importer.schemas import SamplingSheet  # noqa: E402
from dashboard.periods import Window  # noqa: E402
from dashboard.rollups import rebuild  # noqa: E402

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
START, END = date(2023, 3, 1), date(2023, 11, 30)
DAYS = [START + timedelta(days=i) for i in range((END - START).days + 1)]
MONTHS = sorted({d.replace(day=1) for d in DAYS})
WINDOWS = {"2023-04-10至10-20": Window(date(2023, 4, 10), date(2023, 10, 20), "mid"),
           "行动以来": Window(START, END, "campaign")}


# ------------------------------------------------------------------ the province
def province_conf():
    """The default campaign with a region → 10 prefectures → 100 county units tree."""
    data = yaml.safe_load(campaign_path("dongtai-2023").read_text(encoding="utf-8"))
    data["code"] = "province-bench"
    data["org_units"] = _tree()
    return parse_campaign(data)


def _tree() -> dict:
    return {"code": "R", "name": "某省市场监督管理局", "children": [
        {"code": f"R{p:02d}", "name": f"第{p}市市场监督管理局", "children": [
            {"code": f"R{p:02d}C{c:02d}", "name": f"第{p}市第{c}县局"} for c in range(1, 11)]}
        for p in range(1, 11)]}


def generate(county_unit_ids: list[int], n_enterprises: int, n_samples: int, seed: int = 2023) -> dict:
    """table → (columns, rows): the province's records, batch 1 for all."""
    rng = random.Random(seed)
    codes = [f"9132{i:013d}X" for i in range(n_enterprises)]
    t: dict[str, tuple[list[str], list[tuple]]] = {}
    statuses = ["在产"] * 18 + ["停产", "注销"]
    t["enterprise"] = (["credit_code", "name", "unit_id", "license_no", "is_large", "risk_grade",
                        "credit_grade", "product_category", "cadre_name", "status", "address", "batch_id"],
                       [(c, f"企业{i}", rng.choice(county_unit_ids), f"SC{i:014d}", rng.random() < 0.3,
                         "B", "A", "酱卤肉制品", f"干部{i % 500}", rng.choice(statuses), "某路", 1)
                        for i, c in enumerate(codes)])
    t["batch_enterprise"] = (["batch_id", "credit_code"], [(1, c) for c in codes])  # what records refer to
    sources = ["国抽", "省抽", "市抽", "县抽", "县抽", "县抽", "县抽", "县抽", "县抽", "风险监测"]
    t["sampling"] = (["sample_no", "credit_code", "food_name", "food_category", "production_batch",
                      "sampling_date", "task_source", "hazard_classes", "verdict", "failed_items",
                      "lab_name", "disposal_status", "batch_id"],
                     [(f"P{i:09d}", rng.choice(codes), "酱牛肉", "肉制品", None, rng.choice(DAYS),
                       rng.choice(sources), "食品添加剂", "合格" if rng.random() < 0.985 else "不合格",
                       None, "检验中心", None, 1) for i in range(n_samples)])
    si, resp, ms, se, oe, pr, cv = [], [], [], [], [], [], []
    for c in codes:
        for d in rng.sample(DAYS, 20):
            si.append((len(si) + 1, c, d, 30, rng.randint(0, 3), True, 1))
        for m in MONTHS:
            flags = tuple(rng.random() < 0.97 for _ in range(9))
            resp.append((len(resp) + 1, c, m, *flags, 1))
        for kind in rng.sample(["HACCP", "ISO22000", "智能化追溯体系"], rng.randint(0, 2)):
            valid = rng.choice([None, date(2023, 9, 1), date(2025, 1, 1)])
            ms.append((len(ms) + 1, c, kind, "CERT", rng.choice(DAYS[:200]), valid, 1))
        for d in rng.sample(DAYS, 5):
            se.append((len(se) + 1, c, d, rng.randint(1, 9), 0, 1))
        for k, d in enumerate(rng.sample(DAYS, 5)):
            ok = rng.random() < 0.9
            oe.append((len(oe) + 1, c, f"员工{k % 3}", "食品安全员", d, 90.0 if ok else 50.0, ok, 1))
        for k in range(5):
            found = rng.choice(DAYS)
            closed = found + timedelta(days=rng.randint(1, 60)) if rng.random() < 0.8 else None
            pr.append((f"Q{len(pr):08d}", c, rng.choice(["监督检查", "监督抽检", "企业自查"]), None, "问题",
                       found, found + timedelta(days=30), closed, "已整改" if closed else "整改中", 1))
        for d in rng.sample(DAYS, 5):
            cv.append((len(cv) + 1, c, d, "干部", "A级", 0, 1))
    t["self_inspection"] = (["self_inspection_id", "credit_code", "inspection_date", "count_items",
                             "count_problems", "is_report_submitted", "batch_id"], si)
    t["responsibility"] = (["responsibility_id", "credit_code", "month_date", "has_principal",
                            "has_safety_director", "has_safety_officer", "is_daily_control_done",
                            "is_weekly_check_done", "is_monthly_review_done", "has_daily_list",
                            "has_weekly_report", "has_monthly_record", "batch_id"], resp)
    t["management_system"] = (["management_system_id", "credit_code", "system_type", "certificate_no",
                               "established_date", "valid_until_date", "batch_id"], ms)
    t["supplier_evaluation"] = (["supplier_evaluation_id", "credit_code", "evaluation_date",
                                 "count_suppliers", "count_unqualified", "batch_id"], se)
    t["officer_exam"] = (["officer_exam_id", "credit_code", "person_name", "post", "exam_date", "score",
                          "is_passed", "batch_id"], oe)
    t["problem"] = (["problem_no", "credit_code", "source", "source_no", "description", "found_date",
                     "deadline_date", "closed_date", "review_result", "batch_id"], pr)
    t["cadre_visit"] = (["cadre_visit_id", "credit_code", "visit_date", "cadre_name", "cadre_level",
                         "count_problems", "batch_id"], cv)
    return t


LOAD_ORDER = ["enterprise", "batch_enterprise", "sampling", "self_inspection", "responsibility", "management_system",
              "supplier_evaluation", "officer_exam", "problem", "cadre_visit"]


def _batch_row(conn) -> None:
    conn.execute(text("insert into upload_batch (batch_id, file_name, sha256, uploader, uploaded_at, "
                      "status, rows_json) values (1, 'province.xlsx', :sha, 'bench', :at, 'committed', '{}')"),
                 {"sha": "0" * 64, "at": datetime(2023, 12, 1)})


def load_sqlite(engine, tables: dict) -> None:
    """executemany into the SQLite file, every table in one transaction."""
    with engine.begin() as conn:
        _batch_row(conn)
    raw = engine.raw_connection()
    try:
        cur = raw.driver_connection.cursor()
        cur.execute("BEGIN")
        for name in LOAD_ORDER:
            cols, rows = tables[name]
            sql = f"insert into {name} ({', '.join(cols)}) values ({', '.join('?' * len(cols))})"
            cur.executemany(sql, ([v.isoformat() if isinstance(v, date) else v for v in r] for r in rows))
        cur.execute("COMMIT")
    finally:
        raw.close()


def load_pg(engine, tables: dict) -> None:
    """COPY … FROM STDIN through psycopg, then VACUUM ANALYZE."""
    with engine.begin() as conn:
        _batch_row(conn)
    raw = engine.raw_connection()
    try:
        pg = raw.driver_connection
        with pg.cursor() as cur:
            for name in LOAD_ORDER:
                cols, rows = tables[name]
                with cur.copy(f"COPY {name} ({', '.join(cols)}) FROM STDIN") as copy:
                    for r in rows:
                        copy.write_row(r)
        pg.commit()
        pg.autocommit = True
        with pg.cursor() as cur:
            cur.execute("VACUUM ANALYZE")  # the steady state autovacuum reaches: statistics, visibility map
        pg.autocommit = False
    finally:
        raw.close()


# ------------------------------------------------------------------ timing
RAW_QUERIES = ["enterprise_target_counts_by_unit", "officer_exam_pass_counts_by_unit",
               "rectification_counts_by_unit", "sampling_pass_counts_by_unit"]
RAW_DIR = Path(__file__).resolve().parent / "raw_queries"  # the count queries as they were before
# any rollup existed (commit 095ebad): plain scans of the record tables, DuckDB's naive yardstick
# the nine targets' count queries are those DuckDB has a raw twin of (the same names); the four
# targets beyond the nine bind parameters of their own and have no DuckDB counterpart here
NINE_QUERIES = RAW_QUERIES


def best_of(fn, runs: int = 3) -> tuple[float, object]:
    """Best wall time of `runs` calls and the last result."""
    best, out = float("inf"), None
    for _ in range(runs):
        start = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - start)
    return best, out


def app_figures(engine, conf, window: Window, unit_ids: list[int]) -> dict:
    """(unit_id, target) → (n, d) for every unit at once: the engine's count queries as
    dashboard.figures.targets reads them, through the stored figures (dashboard.figures.stored):
    read when stored at this data version, else counted and stored."""
    viewer = system_viewer(engine, conf.root.code)
    params = query_params(conf, viewer, window, window.end_date)
    out = {}
    for rows in stored.counts(engine, conf, [(name, params) for name in NINE_QUERIES], unit_ids):
        for r in rows:
            out[(r["unit_id"], r["count_key"])] = (r["numerator"], r["denominator"])
    return out


COUNTY_FILE = "bench-county.xlsx"  # the file name of the county batches county_upload writes
COUNTY_ROWS = 200  # 监督抽检 rows in each


def county_upload(engine, conf, unit_id: int) -> None:
    """One county unit's upload, written as the importer writes it (dashboard.importer.load._write
    under the writer lock: the batch, its records and batch_change rows, their rollups and whatever
    the stored figures are told; only parsing and validating a workbook are left out, the generated
    credit codes carry no check digit): COUNTY_ROWS new 监督抽检 batches of that county's enterprises
    over the campaign, a tenth 不合格. The previous such batch is rolled back first (rollback_batch),
    so each timed read follows a batch that really changes one county's records, and the province's
    data is the generated one again after county_rollback."""
    county_rollback(engine, conf)
    with engine.connect() as conn, conn.begin():
        lock_writers(conn)
        if engine.dialect.name == "postgresql":  # the generated load wrote batch 1 by its id
            conn.execute(text("select setval(pg_get_serial_sequence('upload_batch', 'batch_id'), "
                              "(select max(batch_id) from upload_batch))"))
        codes = conn.execute(text("select credit_code from enterprise where unit_id = :u order by credit_code"),
                             {"u": unit_id}).scalars().all()
        newest = conn.execute(text("select coalesce(max(batch_id), 0) from upload_batch")).scalar_one()
        rng = random.Random(newest)
        rows = [dict(sample_no=f"BENCH{newest + 1:06d}{i:04d}", credit_code=rng.choice(codes), food_name="酱牛肉",
                     food_category="肉制品", production_batch=None, sampling_date=rng.choice(DAYS), task_source="县抽",
                     hazard_classes="食品添加剂", verdict="合格" if rng.random() < 0.9 else "不合格",
                     failed_items=None, lab_name="检验中心", disposal_status=None) for i in range(COUNTY_ROWS)]
        data = f"county batch {newest + 1}".encode()
        load._write(conn, [load.Plan(SamplingSheet, inserts=rows)], data, hashlib.sha256(data).hexdigest(),
                    COUNTY_FILE, "bench", datetime.now(), {"监督抽检": COUNTY_ROWS}, unit_id)


def county_rollback(engine, conf) -> None:
    """Roll back every committed batch county_upload wrote, newest first."""
    with engine.connect() as conn:
        batches = conn.execute(text("select batch_id from upload_batch where file_name = :f and status = 'committed' "
                                    "order by batch_id desc"), {"f": COUNTY_FILE}).scalars().all()
    for batch_id in batches:
        load.rollback_batch(engine, batch_id, system_viewer(engine, conf.root.code))


def direct_figures(engine, conf, window: Window, unit_ids: list[int]) -> dict:
    """The same as app_figures, counted by the count queries directly (no store)."""
    viewer = system_viewer(engine, conf.root.code)
    params = query_params(conf, viewer, window, window.end_date)
    out = {}
    with engine.connect() as conn:
        for name in NINE_QUERIES:
            for r in execute(conn, name, report_unit_ids=unit_ids, **params):
                out[(r["unit_id"], r["count_key"])] = (int(r["numerator"] or 0), int(r["denominator"] or 0))
    return out


def best_after(setup, fn, runs: int = 3) -> tuple[float, object]:
    """Best wall time of `runs` calls of fn, each right after an untimed setup(), and the last result."""
    best, out = float("inf"), None
    for _ in range(runs):
        setup()
        start = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - start)
    return best, out


def per_query(engine, conf, window: Window, unit_ids: list[int]) -> dict[str, float]:
    """Best-of-3 seconds of each count query alone (every unit at once)."""
    viewer = system_viewer(engine, conf.root.code)
    params = query_params(conf, viewer, window, window.end_date)
    out = {}
    for name in NINE_QUERIES:
        with engine.connect() as conn:
            out[name] = best_of(lambda n=name: execute(conn, n, report_unit_ids=unit_ids, **params))[0]
    return out


def duckdb_setup(tables: dict, closure: list[tuple]):
    """An in-memory DuckDB holding the raw tables (no rollups, no indexes)."""
    con = duckdb.connect()
    for name in LOAD_ORDER:
        cols, rows = tables[name]
        frame = pd.DataFrame.from_records(rows, columns=cols)
        con.register(f"{name}_frame", frame)
        con.execute(f"create table {name} as select * from {name}_frame")
        con.unregister(f"{name}_frame")
    con.register("closure_frame", pd.DataFrame.from_records(closure, columns=["ancestor_id", "descendant_id"]))
    con.execute("create table org_unit_closure as select * from closure_frame")
    return con


def duckdb_figures(con, conf, window: Window, unit_ids: list[int], scope_unit_id: int,
                   names: list[str] = RAW_QUERIES) -> dict:
    """The same figures by DuckDB scanning the raw tables with the raw-record queries."""
    params = query_params(conf, Viewer("bench", "system", scope_unit_id), window, window.end_date)
    out = {}
    for name in names:
        sql = (RAW_DIR / f"{name}.sql").read_text(encoding="utf-8")
        sql = sql.replace(":report_unit_ids", "(" + ", ".join(map(str, unit_ids)) + ")")
        sql = "\n".join(line for line in sql.splitlines() if not line.lstrip().startswith("--"))
        used = set(re.findall(r"(?<![:\w]):(\w+)", sql))
        sql = re.sub(r"(?<![:\w]):(\w+)", r"$\1", sql)
        for unit_id, target, n, d in con.execute(sql, {k: params[k] for k in used}).fetchall():
            out[(unit_id, target)] = (int(n or 0), int(d or 0))
    return out


# ------------------------------------------------------------------ a database for the pages
def write_campaign(conf_path: Path) -> Path:
    """The province campaign as a YAML file the app can load (DASHBOARD_CAMPAIGN=<path>)."""
    data = yaml.safe_load(campaign_path("dongtai-2023").read_text(encoding="utf-8"))
    data["code"] = "province-bench"
    data["org_units"] = _tree()
    conf_path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return conf_path


def prepare(engine, conf, tables: dict, leader: tuple[str, str] | None = None) -> tuple[float, dict]:
    """Load the generated records into a schema-ready, campaign-synced database and rebuild the
    rollups; with leader, add a leadership account at the root. Returns (load seconds, rollups)."""
    start = time.perf_counter()
    (load_pg if engine.dialect.name == "postgresql" else load_sqlite)(engine, tables)
    loaded = time.perf_counter() - start
    counts = rebuild(engine)
    if leader:
        create_account(engine, leader[0], leader[1], "leader", conf.root.code, by="bench")
    return loaded, counts


def county_ids(engine, conf) -> list[int]:
    """The unit ids of the tree's county units (the leaves enterprises belong to)."""
    with engine.connect() as conn:
        units = {c: u for c, u in conn.execute(text("select code, unit_id from org_unit"))}
    return [units[u.code] for u, _, _ in conf.root.walk() if "C" in u.code]


def build_database(url: str, conf_path: Path, *, enterprises: int = 20_000, samples: int = 2_000_000,
                   leader: tuple[str, str] | None = ("leader", "demo-leader")) -> dict:
    """Build a province database at `url` the app can open: schema, the campaign written to
    conf_path, the generated records (fast load), rollups, and a leadership account at the root.
    Returns the rollup row counts."""
    write_campaign(conf_path)
    conf = province_conf()
    engine = get_engine(url)
    try:
        upgrade(engine)
        sync_campaign(engine, conf)
        tables = generate(county_ids(engine, conf), enterprises, samples)
        return prepare(engine, conf, tables, leader)[1]
    finally:
        engine.dispose()


# ------------------------------------------------------------------ the run
def is_loaded(engine) -> bool:
    """Whether the province's records are already in this database (prepare wrote batch 1)."""
    with engine.connect() as conn:
        return conn.execute(text("select count(*) from upload_batch where batch_id = 1")).scalar_one() > 0


def run(engines: list[tuple[str, object]], *, enterprises: int, samples: int,
        leader: tuple[str, str] | None = None, reuse: bool = False, say=print) -> dict:
    """Generate the province, load it into every (label, engine), time all nine targets for every
    unit in each window against DuckDB's naive scan, and check the figures agree. With reuse, a
    database that already holds the province (same --enterprises/--samples: the generator is
    seeded) is not loaded again.
    Returns {"timings": {(label, window): s}, "agree": {(label, window): bool}, "units": n}."""
    conf = province_conf()
    for _, engine in engines:
        upgrade(engine)
        sync_campaign(engine, conf)
    engine0 = engines[0][1]
    with engine0.connect() as conn:
        units = {c: u for c, u in conn.execute(text("select code, unit_id from org_unit"))}
        closure = [tuple(r) for r in conn.execute(text("select ancestor_id, descendant_id from org_unit_closure"))]
    unit_ids = [units[u.code] for u, _, _ in conf.root.walk()]
    start = time.perf_counter()
    tables = generate(county_ids(engine0, conf), enterprises, samples)
    total = sum(len(rows) for _, rows in tables.values())
    say(f"生成：{len(unit_ids)} 个单位，{enterprises:,} 家企业，监督抽检 {samples:,} 行，"
        f"其他记录 {total - samples - enterprises:,} 行，{time.perf_counter() - start:.1f} s")
    timings, figures, direct = {}, {}, {}
    for label, engine in engines:
        if reuse and is_loaded(engine):
            say(f"{label}：沿用已建好的数据库（--reuse），不重新载入")
        else:
            loaded, counts = prepare(engine, conf, tables, leader)
            say(f"{label}：载入 {loaded:.1f} s，汇总表 {', '.join(f'{k} {v:,} 行' for k, v in counts.items())}")
        county = county_ids(engine, conf)[0]
        for wlabel, window in WINDOWS.items():
            figs = lambda w=window: app_figures(engine, conf, w, unit_ids)  # noqa: E731
            timings[(label, wlabel, "upload")], figures[(label, wlabel, "upload")] = best_after(
                lambda: county_upload(engine, conf, county), figs)
            direct[(label, wlabel, "upload")] = direct_figures(engine, conf, window, unit_ids)
            county_rollback(engine, conf)  # the generated data again: DuckDB's
            timings[(label, wlabel, "stored")], figures[(label, wlabel, "stored")] = best_of(figs)
            say(f"  {label} {wlabel} 各查询（直接计算，不经存储）：" + "，".join(
                f"{n} {t * 1000:.0f} ms" for n, t in per_query(engine, conf, window, unit_ids).items()))
    start = time.perf_counter()
    con = duckdb_setup(tables, closure)
    say(f"DuckDB：载入内存 {time.perf_counter() - start:.1f} s（原始表，不建汇总表、不建索引）")
    for wlabel, window in WINDOWS.items():
        timings[("DuckDB", wlabel, "scan")], figures[("DuckDB", wlabel, "scan")] = best_of(
            lambda w=window: duckdb_figures(con, conf, w, unit_ids, units["R"]))
        say(f"  DuckDB {wlabel} 各查询：" + "，".join(
            f"{n} {best_of(lambda n=n, w=window: duckdb_figures(con, conf, w, unit_ids, units['R'], [n]))[0] * 1000:.0f} ms"
            for n in RAW_QUERIES))
    # a read after the county batch: the count queries run directly right after it; a stored read
    # (the county batch rolled back): DuckDB's scan of the generated records
    agree = {key: figs == direct.get(key, figures[("DuckDB", key[1], "scan")])
             for key, figs in figures.items() if key[0] != "DuckDB"}
    return {"timings": timings, "agree": agree, "units": len(unit_ids),
            "figures": len(figures[("DuckDB", wlabel, "scan")])}


KINDS = {"stored": "已存储（本数据版本已读过）", "upload": "一个县级单位上报后第一次读"}


def print_run(result: dict, say=print) -> None:
    """The timing table: every engine against DuckDB, per window, a stored read and the first read
    after one county unit's upload."""
    say(f"\n九项指标 × 全部 {result['units']} 个单位（一次读取全部单位；3 次取最好；DuckDB {duckdb.__version__}）")
    timings = result["timings"]
    for wlabel in WINDOWS:
        duck = timings[("DuckDB", wlabel, "scan")]
        say(f"  区间 {wlabel}：")
        say(f"    DuckDB 朴素扫描：{duck * 1000:.1f} ms")
        for (label, w, kind), t in timings.items():
            if w == wlabel and label != "DuckDB":
                other = "直接计算" if kind == "upload" else "DuckDB"
                agree = f"结果与{other}一致" if result["agree"][(label, w, kind)] else f"结果与{other}不一致！"
                say(f"    {label} {KINDS[kind]}：{t * 1000:.1f} ms，÷DuckDB = {t / duck:.2f}×，{agree}")


@contextmanager
def engines_for(pg: str | None, folder: Path, sqlite_path: str | None = None, pg_db: str | None = None):
    """[(label, engine)]: a SQLite file and, when pg is reachable, a PostgreSQL database: pg_db
    (created when missing, kept afterwards) or a temporary one (dropped afterwards)."""
    engines = [("SQLite", get_engine(f"sqlite:///{sqlite_path or folder / 'province.sqlite'}"))]
    pg_admin = pg_name = None
    if pg:
        try:
            pg_admin = create_engine(pg, isolation_level="AUTOCOMMIT")
            pg_name = pg_db or f"bench_{uuid.uuid4().hex[:10]}"
            with pg_admin.connect() as conn:
                exists = conn.execute(text("select 1 from pg_database where datname = :n"), {"n": pg_name}).first()
                if not exists:
                    conn.execute(text(f'CREATE DATABASE "{pg_name}"'))  # generated or the operator's name
            engines.append(("PostgreSQL", get_engine(pg.rsplit("/", 1)[0] + "/" + pg_name)))
        except Exception as exc:  # noqa: BLE001 - server unreachable: SQLite only
            print(f"注意：PostgreSQL 不可用，跳过（{type(exc).__name__}）")
            pg_name = None
    try:
        yield engines
    finally:
        for _, engine in engines:
            engine.dispose()
        if pg_name and not pg_db:
            with pg_admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)'))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="省级规模基准 / province-scale benchmark")
    parser.add_argument("--pg", default=DEFAULT_PG, help=f"PostgreSQL 服务器 URL（默认 {DEFAULT_PG}；none 跳过）")
    parser.add_argument("--samples", type=int, default=2_000_000, help="监督抽检行数（默认 2,000,000）")
    parser.add_argument("--enterprises", type=int, default=20_000, help="企业数（默认 20,000）")
    parser.add_argument("--sqlite-path", help="SQLite 文件（默认临时目录，结束即删）")
    parser.add_argument("--pg-db", help="PostgreSQL 数据库名（不存在则新建，结束后保留；默认临时库，结束即删）")
    parser.add_argument("--reuse", action="store_true",
                        help="数据库里已有同参数建好的省级数据时不重新载入（配合 --sqlite-path、--pg-db）")
    args = parser.parse_args(argv)
    pg = None if args.pg.lower() == "none" else args.pg
    with tempfile.TemporaryDirectory(prefix="dashboard_province_") as tmp:
        with engines_for(pg, Path(tmp), args.sqlite_path, args.pg_db) as engines:
            # a kept database is for opening in the app (cold_parts.py, bench_pages): with its leader account
            kept = args.sqlite_path or args.pg_db
            print_run(run(engines, enterprises=args.enterprises, samples=args.samples, reuse=args.reuse,
                          leader=("leader", "demo-leader") if kept else None))
    return 0


if __name__ == "__main__":
    sys.exit(main())
