from decimal import Decimal

from yibao.reports.html import BarChart, Report, Section, Table, render


def test_a_report_renders_figures_tables_and_an_svg_chart_in_chinese():
    report = Report(
        "模拟统筹区年度报告",
        "2024 年",
        (
            Section(
                "基金支出",
                figures=(("基金支付总额", "1,234.00 元"),),
                tables=(Table("按险种", ("险种", "金额"), (("职工", Decimal("1234.5")),)),),
                charts=(BarChart("按机构等级", ("三级", "二级"), (Decimal("3.00"), Decimal("1.00")), "万元"),),
            ),
        ),
    )
    page = render(report)
    assert '<html lang="zh-CN">' in page
    assert "基金支付总额" in page and "1,234.50" in page
    assert page.count("<rect") == 2


def test_text_in_a_report_is_escaped():
    page = render(Report("<script>", "x", (Section("s", figures=(("k", "<b>"),)),)))
    assert "<title>&lt;script&gt;</title>" in page
    assert "&lt;b&gt;" in page
