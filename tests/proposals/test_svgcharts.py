"""Server-drawn SVG charts: well-formed, escaped, accessible, CJK labels fitted."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from proposals import svgcharts as svg

NS = "{http://www.w3.org/2000/svg}"


def _parse(markup: str) -> ET.Element:
    return ET.fromstring(markup)  # noqa: S314 (our own output; raises if not well-formed)


def test_bar_chart_escapes_labels_and_carries_titles_and_links():
    markup = svg.bar_chart(
        [
            svg.Bar('<script>alert("x")</script>', 0.5, (0.2, 0.8), "/opportunities?ids=1,2&x=1"),
            svg.Bar("华东电网", None, note="0 / 0"),
        ],
        title="Win rate & rivals",
        ident="t1",
    )
    root = _parse(markup)
    assert "<script>" not in markup and "&lt;script&gt;" in markup
    assert root.get("role") == "img"
    assert root.find(f"{NS}title").text == "Win rate & rivals"
    assert root.get("aria-labelledby") == "t1-t t1-d"
    links = root.findall(f"{NS}a")
    assert [a.get("href") for a in links] == ["/opportunities?ids=1,2&x=1"]
    # one bar drawn (the empty one shows a dash), its whisker too
    assert len(root.findall(f".//{NS}rect")) == 1
    titles = [t.text for t in root.iter(f"{NS}title")]
    assert "华东电网: 0 / 0" in titles
    assert "—" in markup and "50 %" in markup


def test_fit_counts_cjk_as_two_columns():
    assert svg.display_width("ab华") == 4
    assert svg.fit("abcdef", 10) == "abcdef"
    assert svg.fit("国家电网华东分部信息通信公司", 10) == "国家电网…"
    assert svg.fit("abcdefghijkl", 6) == "abcde…"


def test_reliability_chart_places_points_and_diagonal():
    markup = svg.reliability_chart(
        [svg.Point(0.25, 0.5, 4, "20–30 %: 2/4"), svg.Point(0.9, 0.8, 1, "x<y")],
        title="Reliability",
        x_label="Predicted",
        y_label="观察到的胜率",
    )
    root = _parse(markup)
    circles = root.findall(f".//{NS}circle")
    assert len(circles) == 2
    # the bigger sample draws the bigger dot; 0.25 predicted lands a quarter across the box
    assert float(circles[0].get("r")) > float(circles[1].get("r"))
    box = root.find(f".//{NS}rect")
    left, width = float(box.get("x")), float(box.get("width"))
    assert float(circles[0].get("cx")) == left + width * 0.25
    assert root.find(f".//{NS}line[@class='chart-diagonal']") is not None
    assert "x&lt;y" in markup and "观察到的胜率" in markup


def test_line_chart_breaks_on_missing_values():
    markup = svg.line_chart(
        [("Jan", 10.0), ("Feb", None), ("Mar", 20.0), ("Apr", 15.0)], title="Days", unit=" d"
    )
    root = _parse(markup)
    path = root.find(f"{NS}path").get("d")
    assert path.count("M") == 2 and path.count("L") == 1
    assert len(root.findall(f".//{NS}circle")) == 3
    assert _parse(svg.line_chart([], title="empty")).find(f"{NS}path") is None
