"""The demo end to end on a small region: every stage runs and the report says what it did."""

from yibao.demo import DemoOptions, run_demo


def test_the_demo_builds_a_region_settles_reviews_and_writes_a_chinese_report(tmp_path):
    ticks: dict[str, int] = {}

    def start_task(description, total):
        ticks[description] = 0

        def advance(n):
            ticks[description] += n

        return advance

    run = run_demo(DemoOptions(home=tmp_path / "demo", persons=2_000, seed=3), start_task)
    page = run.report_path.read_text(encoding="utf-8")
    titles = [s.title for s in run.sections]
    assert titles[0] == "模拟统筹区" and any("一站式结算" in t for t in titles) and any("事中审核" in t for t in titles)
    assert "基金支付总额" in page and "<svg" in page
    assert ticks["一站式结算"] > 0 and ticks["事中审核"] > 0
    assert (tmp_path / "demo" / "yibao.sqlite3").exists()
