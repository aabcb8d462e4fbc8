"""the texts that identify a record stored in one spelling

The importer now stores the text of a key (姓名, 包保干部, 清单名称, 检查项目) and of a number that
identifies a record (抽样单编号, 检查编号, 问题编号, 案件编号, 任务编号, 来源编号) in one spelling
(dashboard.importer.parse.key_text): NFKC, then every blank dropped from a number and the blanks
beside a non-ASCII character dropped from a name (李 四, 李　四 → 李四). Before, one person spelled two
ways was two examined people, and a batch re-reported with a full-width number was counted twice.

This upgrade respells the records already stored, and with them the keys a rollback finds them by
(batch_change.record_key and old_row_json, batch_insert.record_keys). A record whose new spelling
is already another record's key keeps its old spelling: merging two stored records is a decision
for a person (re-upload the month), not for a migration. The stored figures are emptied (they are
counted again on the next read), since a person spelled two ways is now one. The downgrade keeps
the new spellings (the old ones are not kept anywhere).

The rules are copied here, not imported, so that this revision means the same whatever the
importer later becomes.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-03 22:20:00
"""
import json
import re
import unicodedata
from datetime import date

from alembic import op
import sqlalchemy as sa


revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None

# table: (its record key as the importer writes it, the respelled columns and how)
TABLES = {
    'officer_exam': (('credit_code', 'person_name', 'exam_date'), {'person_name': 'name'}),
    'inspection': (('inspection_no',), {'inspection_no': 'code'}),
    'problem': (('problem_no',), {'problem_no': 'code', 'source_no': 'code'}),
    'sampling': (('sample_no',), {'sample_no': 'code'}),
    'cadre_visit': (('credit_code', 'visit_date', 'cadre_name'), {'cadre_name': 'name'}),
    'enforcement_case': (('case_no',), {'case_no': 'code', 'source_no': 'code'}),
    'checklist_item': (('credit_code', 'checklist', 'check_date', 'item'), {'checklist': 'name', 'item': 'name'}),
    'work_task': (('unit_id', 'task_no'), {'task_no': 'code'}),
}
BLANKS = re.compile(r"\s+")
# the respelled columns' lengths (VARCHAR(n)): NFKC may lengthen a text (⑴ → (1), ㍻ → 平成), and a
# spelling longer than its column keeps the old one (PostgreSQL would refuse it and fail the upgrade)
LENGTHS = {'person_name': 100, 'inspection_no': 64, 'problem_no': 64, 'source_no': 64, 'sample_no': 64,
           'cadre_name': 100, 'case_no': 64, 'checklist': 50, 'item': 100, 'task_no': 64}


def spelled(text, canon: str):
    if not isinstance(text, str):
        return text
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
    if canon == "code":
        return BLANKS.sub("", text)
    return BLANKS.sub(_name_blank, text)


def _name_blank(match) -> str:
    text, start, end = match.string, match.start(), match.end()
    beside = text[start - 1:start] + text[end:end + 1]
    return "" if len(beside) < 2 or not beside.isascii() else " "


def _fitting(old, new, column: str):
    """The new spelling, or the old one when the new one is longer than the column holds."""
    return old if isinstance(new, str) and len(new) > LENGTHS[column] else new


def key_json(values) -> str:
    """A record key as batch_change and batch_insert hold it (json.dumps, ISO dates)."""
    return json.dumps([v.isoformat() if isinstance(v, date) else v for v in values], ensure_ascii=False)


def upgrade() -> None:
    conn = op.get_bind()
    changed_any = False
    for name, (key, canon) in TABLES.items():
        moved, changed = _respell_records(conn, name, key, canon)
        if moved or changed:
            _respell_changes(conn, name, key, canon, moved)
            changed_any = True
    if changed_any:
        conn.execute(sa.text("delete from stored_figure"))
        conn.execute(sa.text("delete from stored_figure_key"))


def _streamed(conn, stmt):
    """The rows of `stmt`, fetched in parts (a province's sampling table holds millions): only the
    rows that change are kept in memory."""
    result = conn.execute(stmt, execution_options={"stream_results": True})  # this statement's, not the connection's
    for part in result.partitions(10_000):
        yield from part


def _respell_records(conn, name: str, key: tuple, canon: dict) -> tuple[dict, bool]:
    """Respell the table's rows; returns ({old key json: new key json} of the rows whose key
    changed, whether any row changed)."""
    table = sa.table(name, *(sa.column(c) for c in dict.fromkeys(key + tuple(canon))))
    changed = []
    for r in _streamed(conn, sa.select(*table.c)):
        row = dict(r._mapping)
        new = {c: _fitting(row[c], spelled(row[c], how), c) for c, how in canon.items()}
        if any(new[c] != row[c] for c in canon):
            changed.append((row, new))
    moved = {}
    for row, new in changed:
        old_key = tuple(row[c] for c in key)
        new_key = tuple(new.get(c, row[c]) for c in key)
        if new_key != old_key:
            if _taken(conn, table, key, new_key):  # another record is spelled so already: both stay
                new = {c: v for c, v in new.items() if c not in key}
                if all(new[c] == row[c] for c in new):
                    continue
            else:
                moved[key_json(old_key)] = key_json(new_key)
        conn.execute(table.update().where(sa.and_(*(table.c[c] == row[c] for c in key))).values(**new))
    return moved, bool(changed)


def _taken(conn, table, key: tuple, values: tuple) -> bool:
    """Whether a row holds the key `values` now (one indexed probe: the key is unique)."""
    where = sa.and_(*(table.c[c] == v for c, v in zip(key, values)))
    return conn.execute(sa.select(sa.literal(1)).select_from(table).where(where).limit(1)).first() is not None


def _respell_changes(conn, name: str, key: tuple, canon: dict, moved: dict) -> None:
    """The rollback's record of the table's rows follows them: keys through `moved`, the other
    respelled columns of a prior row as they would be stored now."""
    change = sa.table('batch_change', sa.column('change_id'), sa.column('table_name'), sa.column('record_key'),
                      sa.column('old_row_json'))
    others = {c: how for c, how in canon.items() if c not in key}
    stmt = sa.select(change.c.change_id, change.c.record_key, change.c.old_row_json).where(change.c.table_name == name)
    if others:  # a non-key column respelled in any prior row: every one is looked at
        rows = _streamed(conn, stmt)
    else:  # only the rows of the records whose key moved
        keys = sorted(moved)
        rows = (r for i in range(0, len(keys), 500)
                for r in conn.execute(stmt.where(change.c.record_key.in_(keys[i:i + 500]))).all())
    updates = []
    for r in rows:
        record_key = moved.get(r.record_key, r.record_key)
        row = json.loads(r.old_row_json)
        if record_key != r.record_key:
            row.update(zip(key, json.loads(record_key)))
        row.update({c: _fitting(row[c], spelled(row[c], how), c) for c, how in others.items() if c in row})
        old_row = json.dumps(row, ensure_ascii=False)
        if (record_key, old_row) != (r.record_key, r.old_row_json):
            updates.append({"id": r.change_id, "key": record_key, "row": old_row})
    if updates:
        conn.execute(change.update().where(change.c.change_id == sa.bindparam("id"))
                     .values(record_key=sa.bindparam("key"), old_row_json=sa.bindparam("row")), updates)
    if not moved:
        return
    inserted = sa.table('batch_insert', sa.column('batch_id'), sa.column('table_name'), sa.column('record_keys'))
    updates = []
    stmt = sa.select(inserted.c.batch_id, inserted.c.record_keys).where(inserted.c.table_name == name)
    for r in _streamed(conn, stmt):
        keys = [json.loads(moved.get(k, k)) for k in map(key_json, json.loads(r.record_keys))]
        text = json.dumps(keys, ensure_ascii=False)
        if text != r.record_keys:
            updates.append({"id": r.batch_id, "keys": text})
    if updates:
        conn.execute(inserted.update().where(sa.and_(inserted.c.batch_id == sa.bindparam("id"),
                                                     inserted.c.table_name == name))
                     .values(record_keys=sa.bindparam("keys")), updates)


def downgrade() -> None:
    pass  # the old spellings are kept nowhere; the new ones are valid keys under the old importer
