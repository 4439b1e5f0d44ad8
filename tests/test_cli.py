"""The command line as a user meets it: help with no arguments, --version, the experiment list, and
output that fits the terminal's width."""
from __future__ import annotations

import io
import sys

import pytest

from gradsight import __version__
from gradsight.claims import format_table
from gradsight.cli import experiment_list, main
from gradsight.terminal import fit_line, terminal_width


class Terminal(io.StringIO):
    """A stream that says it is a terminal."""

    def isatty(self) -> bool:
        return True


def test_no_arguments_prints_help(capsys):
    assert main([]) == 0
    out = capsys.readouterr().out
    assert "usage: gradsight" in out and "tour" in out


def test_version(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.strip() == f"gradsight {__version__}"


def test_tour_help_lists_the_experiments(capsys):
    with pytest.raises(SystemExit):
        main(["tour", "--help"])
    out = capsys.readouterr().out
    assert "Vanishing gradients in a deep sigmoid network" in out and "--list" in out


def test_tour_list_names_numbers_and_claims_and_fits_the_width(capsys):
    assert main(["tour", "--list"]) == 0
    out = capsys.readouterr().out
    assert " 3  e03_vanishing_gradients: Vanishing gradients" in out
    assert "claim: The sigmoid's derivative is at most 1/4" in out and "source:" in out
    narrow = experiment_list(width=72)
    assert max(len(line) for line in narrow.splitlines()) <= 72 < max(len(line) for line in out.splitlines())


def test_tables_wrap_to_the_terminal_and_stay_whole_in_pipes(monkeypatch):
    rows = [["3", "in a deep sigmoid net the gradient shrinks roughly geometrically toward the input " * 2,
             "factor per layer 0.240; first hidden layer 2.6e-06 x the last", "holds"]]
    header = ["#", "claim", "measured", "verdict"]
    monkeypatch.setenv("COLUMNS", "80")
    assert terminal_width() is None  # a pipe (pytest captures stdout): COLUMNS alone does not wrap logs
    monkeypatch.setattr(sys, "__stdout__", Terminal())
    assert terminal_width() == 80
    wrapped = format_table(rows, header).splitlines()
    assert max(len(line) for line in wrapped) <= 80 and len(wrapped) > 4
    assert wrapped[2].startswith("3  in a deep sigmoid") and wrapped[2].endswith("holds")
    whole = format_table(rows, header, width=10_000).splitlines()
    assert len(whole) == 3  # header, rule, one row: what a log file or grep wants
    assert fit_line("word " * 40, 30).count("\n") >= 5


def test_training_progress_only_in_a_terminal(monkeypatch):
    from gradsight.cli import show_training_progress
    from gradsight.tour import examples_dir

    monkeypatch.syspath_prepend(str(examples_dir()))
    import _common

    monkeypatch.setattr(_common, "SHOW_PROGRESS", False)
    show_training_progress(examples_dir())
    assert _common.SHOW_PROGRESS is False

    monkeypatch.setattr(sys, "stderr", Terminal())
    show_training_progress(examples_dir())
    assert _common.SHOW_PROGRESS is True
