"""The comparison table, divergence notes and CSV export, on real runs."""

from __future__ import annotations

import csv
import io

import numpy as np
import plotly.io as pio
import pytest
from figure_checks import html_table

import optim_core
from ui import report
from ui.figures import landscape
from ui.figures import race as race_figures

QUADRATIC = optim_core.LANDSCAPES["quadratic"]
START = np.asarray(QUADRATIC.start)


def race(settings: dict[str, dict], steps: int = 120):
    names = list(settings)
    runs = [optim_core.run(n.split(":")[0], QUADRATIC, START, steps, **settings[n]) for n in names]
    return names, runs


def test_rank_puts_the_first_to_converge_first_and_diverged_last():
    names, runs = race(
        {"gd": {"lr": 0.1}, "momentum": {"lr": 0.01, "beta": 0.9}, "gd:too-large": {"lr": 0.5}}
    )
    rows = report.comparison_rows(names, runs, QUADRATIC, tol=1e-4)
    by_name = {row["optimizer"]: row for row in rows}
    reached = "steps to f − f* < 0.0001"
    assert by_name["gd:too-large"]["diverged at step"] is not None
    assert by_name["gd:too-large"]["rank"] == 3
    first = min(("gd", "momentum"), key=lambda n: by_name[n][reached] or 10**9)
    assert by_name[first]["rank"] == 1
    # steps to tolerance agree with the loss curve itself
    loss = runs[names.index(first)].loss - QUADRATIC.f_min
    k = by_name[first][reached]
    assert loss[k] <= 1e-4 < loss[k - 1]
    assert by_name[first]["distance to nearest minimum"] == pytest.approx(
        np.linalg.norm(runs[names.index(first)].params[-1] - QUADRATIC.minima[0])
    )


def test_where_f_star_is_unknown_the_table_gives_f_and_no_steps_to_it():
    """The saddle falls without bound: its table's loss is f itself, said so in its header,
    below zero, and no run "reaches f − f* < tol" (there is no f*). Lowest f ranks first."""
    saddle = optim_core.LANDSCAPES["saddle"]
    assert not report.knows_minimum(saddle)
    names = ["gd", "momentum"]
    runs = [
        optim_core.run("gd", saddle, (-1.5, 1e-3), 40, lr=0.05),
        optim_core.run("momentum", saddle, (-1.5, 1e-3), 40, lr=0.05, beta=0.9),
    ]
    rows = report.comparison_rows(names, runs, saddle, tol=1e-4)
    assert list(rows[0]) == [
        "optimizer",
        "final f",
        "distance to nearest minimum",
        "diverged at step",
        "rank",
    ]
    finals = [row["final f"] for row in rows]
    assert finals == [float(r.loss[-1]) for r in runs] and min(finals) < 0
    assert [row["rank"] for row in rows] == [2, 1]  # momentum's f is the lower


def test_a_diverged_run_gets_a_note_that_names_its_step_and_learning_rate():
    names, runs = race({"adam": {"lr": 0.05}, "gd": {"lr": 0.5}})
    notes = report.divergence_notes(["Adam", "GD"], runs, [{"lr": 0.05}, {"lr": 0.5}])
    assert notes == [f"GD diverged at step {runs[1].diverged_at} — try a smaller η (now 0.5)."]


def test_paths_stop_where_the_run_left_and_hold_no_nan():
    _, (run,) = race({"gd": {"lr": 0.5}})
    path = report.to_path("gd", "GD", run, QUADRATIC)
    assert len(path.xy) == run.diverged_at
    assert np.isfinite(path.xy).all() and np.isfinite(path.loss).all()


def test_csv_has_every_step_of_every_run_to_full_precision():
    names, runs = race({"gd": {"lr": 0.1}, "adam": {"lr": 0.05}}, steps=30)
    rows = list(csv.DictReader(io.StringIO(report.trajectories_csv(names, runs))))
    assert len(rows) == 2 * 31
    adam = [r for r in rows if r["optimizer"] == "adam"]
    assert float(adam[7]["x"]) == runs[1].params[7, 0]  # repr-exact round trip
    assert float(adam[7]["grad_y"]) == runs[1].grads[7, 1]
    assert adam[-1]["lr"] == ""  # the last iterate takes no step


def test_the_html_download_is_a_standalone_animation():
    names, runs = race({"gd": {"lr": 0.1}}, steps=20)
    paths = [report.to_path(n, n, r, QUADRATIC) for n, r in zip(names, runs, strict=True)]
    z = QUADRATIC.f(np.stack(np.meshgrid(np.linspace(-5, 5, 50), np.linspace(-5, 5, 50)), -1))
    spec = race_figures.race_figure(
        landscape.contour_png(np.log1p(z)), paths, QUADRATIC.window, QUADRATIC.minima, steps=20
    )
    html = pio.to_html(spec, include_plotlyjs=True, full_html=True, validate=False)
    assert html.lstrip().lower().startswith("<!doctype html>") and "Plotly.newPlot" in html
    assert "<script src=" not in html  # plotly.js inline: works offline, in any classroom
    assert '"frames"' in html or "addFrames" in html
    # on its own, the file plays with plotly's own buttons and step slider
    assert '"updatemenus"' in html and '"sliders"' in html


def test_the_html_table_holds_every_cell_escaped_under_its_caption():
    rows = [
        {"optimizer": "Adam <b>", "final f − f*": "1e-06"},
        {"optimizer": "GD", "final f − f*": "—"},
    ]
    markup = report.as_html_table(rows, "Who converges fastest?")
    assert "<b>" not in markup  # cell text is escaped, not markup
    caption, parsed = html_table(markup)
    assert caption == "Who converges fastest?"
    assert parsed == rows
    assert report.as_html_table([], "empty") == ""


def test_a_run_label_states_the_design_and_what_differs_from_the_defaults():
    adam = optim_core.OPTIMIZERS["adam"].defaults()
    assert report.run_label("adam", adam) == "Adam (η 0.05, β₁ 0.9, β₂ 0.999)"
    tuned = adam | {"eps": 1e-6, "weight_decay": 0.1, "bias_correction": False}
    assert report.run_label("adam", tuned) == (
        "Adam (η 0.05, β₁ 0.9, β₂ 0.999, ε 1e-06, λ 0.1, no bias correction)"
    )
    momentum = optim_core.OPTIMIZERS["momentum"].defaults() | {"formulation": "classic"}
    assert report.run_label("momentum", momentum) == "Momentum (η 0.05, β 0.9, formulation classic)"


def test_the_verdict_and_the_notice_are_escaped_markup():
    right = report.verdict_html(True, "A <b>tie</b>")
    assert right.startswith("<p class='pg-verdict pg-right'") and "&lt;b&gt;tie" in right
    wrong = report.verdict_html(False, "x")
    assert wrong.startswith("<p class='pg-verdict pg-wrong'") and "Not this time." in wrong
    notice = report.notice_html("You <changed> it", "restore-preset", "Restore")
    assert "data-action='restore-preset'" in notice and "&lt;changed&gt;" in notice
    assert "<button" not in report.notice_html("Changed.")
    note = report.notes_html(["GD <diverged>"])
    assert note == "<p class='pg-verdict pg-wrong'>GD &lt;diverged&gt;</p>"
