from sqlalchemy import text

from dashboard.campaign import load_campaign, month_window, phase_window


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
    assert targets[0] == "self_inspection" and targets[-1] == "supervision_coverage" and len(targets) == 9
