import dataclasses
from datetime import date, timedelta

from sqlalchemy import text

from dashboard.campaign import load_campaign, phase_label, phase_window, sync_campaign
from dashboard.periods import month_window


def test_default_campaign_config():
    conf = load_campaign()
    assert conf.code == "dongtai-2023"
    assert [p.name for p in conf.phases] == ["部署推动阶段", "深入推进阶段", "整改提升阶段"]
    assert [u.code for u, _, d in conf.root.walk() if d == 1] == [f"DT{i:02d}" for i in range(1, 13)]
    assert phase_window(conf, 2).start_date.isoformat() == "2023-05-01"
    assert phase_window(conf, "整改提升阶段").end_date.isoformat() == "2023-11-30"
    assert month_window("2023-02").end_date.isoformat() == "2023-02-28"


def test_campaign_synced(empty_engine):
    with empty_engine.connect() as conn:
        units = conn.execute(text("select count(*) from org_unit")).scalar()
        pairs = conn.execute(text("select count(*) from org_unit_closure")).scalar()
        targets = conn.execute(text("select code from target order by sort_order")).scalars().all()
    assert units == 13 and pairs == 13 + 12
    assert targets[0] == "self_inspection" and targets[-1] == "risk_followup" and len(targets) == 13


def test_second_campaign_is_configuration_only(empty_engine):
    """A three-level tree, other phases and its own targets, loaded beside the default one."""
    conf = load_campaign("xinjiang-2026")
    sync_campaign(empty_engine, conf)
    with empty_engine.connect() as conn:
        below_root = conn.execute(text(
            "select count(*) from org_unit_closure c join org_unit u on u.unit_id = c.ancestor_id "
            "where u.code = 'XJ' and c.distance > 0")).scalar()
        targets = conn.execute(text(
            "select t.code, t.threshold from target t join campaign c on c.campaign_id = t.campaign_id "
            "where c.code = 'xinjiang-2026' order by t.sort_order")).all()
        depth = conn.execute(text("select depth from org_unit where code = 'XJ0202'")).scalar()
    assert below_root == 4 + 6  # four prefectures, six counties
    assert depth == 2
    assert [tuple(t) for t in targets][:3] == [("slaughter_inspected", 1.0), ("hazard_closed", 0.95),
                                               ("additive_pass", 0.98)]
    assert len(targets) == 12 and {t.measure for t in conf.targets} == {
        "coverage", "closure", "pass_rate", "checklist", "within_days", "count"}
    assert [p.name for p in conf.phases] == ["专项整治阶段", "试点规范阶段", "推广经验阶段"]


def test_a_pause_between_two_phases_is_named_as_such_not_outside_the_campaign():
    conf = load_campaign()
    first, second = conf.phases[0], conf.phases[1]
    paused = dataclasses.replace(conf, phases=(dataclasses.replace(first, end_date=first.end_date - timedelta(days=10)),
                                               *conf.phases[1:]))
    pause = first.end_date - timedelta(days=5)
    assert [phase_label(paused, d) for d in (first.start_date, pause, second.start_date, conf.end_date + timedelta(days=1))] \
        == [first.name, "阶段之间", second.name, "行动期外"]
    assert phase_label(conf, date(2000, 1, 1)) == "行动期外"
