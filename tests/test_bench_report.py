"""`python -m bench SECTION…` rewrites only the sections it runs and keeps the others."""

from __future__ import annotations

from bench.__main__ import SECTIONS, main, sections_of


def test_an_earlier_report_is_read_back_section_by_section():
    report = (
        "# Benchmarks\n\nWritten …\n\n## Search quality\n\n| a |\n\n## The bot under load\n\nfast\n"
    )
    assert sections_of(report) == {"Search quality": ["| a |"], "The bot under load": ["fast"]}


def test_an_unknown_section_is_refused_and_nothing_runs(capsys):
    assert main(["speed-of-light"]) == 2
    assert "choose from" in capsys.readouterr().err
    assert {"quality", "answers", "nlu", "routing", "load", "scale"} <= set(SECTIONS)
