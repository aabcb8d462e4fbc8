"""严打（违法案件）: the cases filed in the window — how many, 罚没, 移送公安, by unit and 违法类型, each
with the sample, problem or inspection its 来源编号 names — and the serious 不合格 batches (the
campaign file's strike: 非食用物质, 病死畜禽 in Dongtai) with the case each led to, those without one
the set number of days after sampling first
(dashboard.figures.strikes; docs/indicators.md "严打")."""
import streamlit as st

from dashboard.figures.strikes import serious_summary, yuan_plain, yuan_text
from dashboard.ui import controls, data, widgets

choice, sel, ver = controls.current(), controls.selection(), data.version()
widgets.page_setup("严打（违法案件）", choice)
p = data.enforcement(ver, sel)
serious = data.serious(ver, sel)
total, counts = p["total"], serious_summary(serious)
rule = sel.conf.strike  # what is serious and the days a case may take: the campaign file's strike:
classes = "或".join(rule.hazard_classes)
words = "或".join(label for _, label in rule.failed_item_words)
which = "或".join(x for x in (f"检验项目类别含{classes}" if classes else "", f"不合格项目涉及{words}" if words else "") if x)

cards = (("立案案件", f"{total['count_cases']} 件"), ("罚没金额", yuan_text(total["amount_fines"])),
         ("移送公安", f"{total['transferred_text']} 件"), ("来源可追溯", f"{total['linked_text']} 件"))
for col, (title, value) in zip(st.columns(4), cards):
    col.metric(title, value)
st.caption(f"立案日期在 {choice.start} 至 {choice.end} 的案件，按所辖企业的案件汇总。“来源可追溯”：来源编号指向本企业的"
           "抽样单、问题或检查记录。" + (f"其中 {total['count_no_fine']} 件未填罚没金额（按 0 元计）。"
                                       if total["count_no_fine"] else ""))
if p["by_type"]:
    top = p["by_type"][0]
    st.markdown(f"案件最多的违法类型：{widgets.md(top['violation_type'])}（{top['count_cases']}/"
                f"{total['count_cases']} 件）。")

st.markdown("#### 按单位")
widgets.table(p["by_unit"], ["unit_name", "count_cases", "amount_fines", "transferred_text", "linked_text",
                             "count_no_fine"])
st.markdown("#### 按违法类型")
widgets.table(p["by_type"], ["violation_type", "count_cases", "amount_fines", "count_transferred", "count_linked"],
              empty="本期没有立案的案件")
if len(p["by_unit"]) > 1 and p["by_unit_type"]:
    with st.expander("各单位 × 违法类型（案件数）"):
        widgets.table(p["by_unit_type"], ["unit_name", "violation_type", "count_cases"], paper=False)

st.markdown(f"#### 案件清单（{total['count_cases']} 件）")
widgets.table([{**r, "fine_amount": yuan_plain(r["fine_amount"])} for r in p["cases"]],
              ["unit_name", "name", "case_no", "filed_date", "violation_type", "fine_amount",
               "is_transferred_police", "source_no", "source_kind", "source_date", "source_label",
               "file_name", "uploader", "uploaded_at"], empty="本期没有立案的案件")

st.markdown(f"#### {widgets.md(rule.label)}不合格批次的立案情况")
st.caption(f"行动开始至 {choice.as_of} 的监督抽检（不含风险监测）中，{widgets.md(which)}的"
           f"不合格批次。已立案：本企业有来源编号指向该批次（或指向由该批次产生的问题）的案件，或有抽样日期当天及以后立案、"
           f"未填来源编号的案件。抽样满 {rule.case_due_days} 日仍未立案的列为例外。")
st.markdown(f"共 {counts['count_serious']} 批，已立案 {counts['with_case_text']} 批，满{rule.case_due_days}日未立案 "
            f"{counts['count_unfiled']} 批，未满{rule.case_due_days}日尚未立案 {counts['count_pending']} 批。")
ordered = sorted(serious, key=lambda r: (not r["is_unfiled"], r["case_no"] is not None, r["sampling_date"]))
widgets.table(ordered, ["unit_name", "name", "sample_no", "food_name", "sampling_date", "reason", "case_due_date",
                        "is_unfiled", "case_no", "filed_date", "days_open", "disposal_status"],
              empty=f"没有{rule.label}不合格批次")
