"""What the race means in words and tables: comparison rows, divergence notes, CSV export.

Pure functions of trajectories; the page only lays their results out.
"""

from __future__ import annotations

import csv
import dataclasses
import html
import io
from collections.abc import Mapping, Sequence

import numpy as np

import optim_core
from ui.figures.landscape import Path


def knows_minimum(land: optim_core.Landscape) -> bool:
    """Whether the landscape's minimum value f* is known (a saddle's or a formula's is not)."""
    return land.f_min is not None and bool(np.isfinite(land.f_min))


def excess_loss(land: optim_core.Landscape, loss: np.ndarray) -> np.ndarray:
    """``f − f*`` where the landscape's minimum value is known, else ``f`` itself."""
    return loss - land.f_min if knows_minimum(land) else loss


def to_path(
    name: str,
    label: str,
    traj: optim_core.Trajectory,
    land,
    start: tuple[float, float] | None = None,
) -> Path:
    """A trajectory cut at its last finite iterate, for drawing.

    A run that diverged at step 0 (f is not finite at the start, as for ``log(x)`` started at
    x < 0) has no finite iterate: it is drawn as the single point ``start``, or the centre of
    the landscape's window when no start is given.
    """
    n = len(traj.params) if traj.diverged_at is None else max(int(traj.diverged_at), 1)
    xy = np.asarray(traj.params[:n], dtype=float)
    loss = excess_loss(land, np.asarray(traj.loss[:n], dtype=float))
    keep = np.isfinite(xy).all(axis=1) & np.isfinite(loss)
    if not keep.all():  # defensive: never hand a NaN to the figure
        n = int(np.argmin(keep)) or 1
        xy, loss = xy[:n], loss[:n]
        if not np.isfinite(xy).all():
            centre = np.mean(np.asarray(land.window, dtype=float), axis=1)
            xy = np.asarray([start if start is not None else centre], dtype=float)
        if not np.isfinite(loss).all():
            loss = np.nan_to_num(loss, nan=0.0, posinf=1e300, neginf=-1e300)
    return Path(name, label, xy, loss, traj.diverged_at)


# What a legend states of every run: its step size and the decays of its running means, which
# set how it moves. The rest (ε, λ, options) only where it differs from the optimizer's default,
# so that an entry stays one short line of the legend.
LEGEND_ALWAYS = frozenset({"lr", "beta", "beta1", "beta2"})


def run_label(name: str, values: Mapping[str, object]) -> str:
    """A run's legend entry, from its optimizer's declarations: "Adam (η 0.05, β₁ 0.9, β₂ 0.999)".

    ``values`` are the run's hyperparameters and options (``Scene.hyperparams``).
    """
    spec = optim_core.OPTIMIZERS[name]
    parts = [
        f"{p.symbol} {float(values[p.name]):.4g}"
        for p in spec.hyperparams
        if p.name in values and (p.name in LEGEND_ALWAYS or values[p.name] != p.default)
    ]
    for choice in spec.options:
        value = values.get(choice.name, choice.default)
        if value == choice.default:
            continue
        words = choice.name.replace("_", " ")
        parts.append(f"no {words}" if value is False else f"{words} {value}")
    return f"{spec.label} ({', '.join(parts)})" if parts else spec.label


def start_only(path: Path) -> Path:
    """``path`` cut to its start point: what a challenge shows before the reveal."""
    return dataclasses.replace(path, xy=path.xy[:1], loss=path.loss[:1], diverged_at=None)


def comparison_rows(
    labels: Sequence[str],
    trajectories: Sequence[optim_core.Trajectory],
    land: optim_core.Landscape,
    tol: float,
) -> list[dict[str, object]]:
    """One row per optimizer: final loss, steps to ``tol``, distance to a minimum, rank.

    The final loss is ``f − f*``, or ``f`` itself (and its column says so) where the
    landscape's minimum value is not known; there no run can be said to come within ``tol``
    of it, and the steps' column is left out. Rank orders by the step at which ``f − f*``
    first fell below ``tol`` (sooner is better), then by final loss; diverged runs come last.
    """
    known = knows_minimum(land)
    final_column = "final f − f*" if known else "final f"
    rows, keys = [], []
    for label, traj in zip(labels, trajectories, strict=True):
        diverged = traj.diverged_at is not None
        final = float(excess_loss(land, np.asarray(traj.loss))[-1]) if not diverged else None
        reached = optim_core.steps_to_tolerance(traj, tol) if known else None
        distance = (
            None
            if diverged or not len(land.minima)
            else float(optim_core.distance_to_minimum(traj, land))
        )
        row: dict[str, object] = {"optimizer": label, final_column: final}
        if known:
            row[f"steps to f − f* < {tol:g}"] = reached
        row |= {"distance to nearest minimum": distance, "diverged at step": traj.diverged_at}
        rows.append(row)
        if diverged:
            keys.append((2, -traj.diverged_at, 0.0))
        elif reached is not None:
            keys.append((0, reached, final))
        else:
            keys.append((1, 0, final if np.isfinite(final) else np.inf))
    for rank, i in enumerate(sorted(range(len(rows)), key=keys.__getitem__), start=1):
        rows[i]["rank"] = rank
    return rows


def table_caption(land: optim_core.Landscape) -> str:
    """The race's table's question: who reaches f* first, or, where f* is not known (the
    table then ranks by final f), who ends lowest."""
    return "Who converges fastest?" if knows_minimum(land) else "Who ends lowest?"


def as_text(rows: Sequence[dict[str, object]]) -> list[dict[str, str]]:
    """``rows`` as a learner reads them: 3 significant digits, "—" where there is no value."""

    def text(value: object) -> str:
        if value is None:
            return "—"
        if isinstance(value, float):
            return f"{value:.3g}"
        return str(value)

    return [{column: text(value) for column, value in row.items()} for row in rows]


NOBODY = "none"  # the challenge's answer "none of them gets there in time"


def as_html_table(rows: Sequence[dict[str, str]], caption: str) -> str:
    """``rows`` (text, as from :func:`as_text`) as an HTML table headed by ``caption``.

    Every cell is escaped. Class ``pg-table``, styled by ``ui.plotly_element.TABLE_CSS``: the
    race's map draws it under the chart. ``st.table`` renders every cell as Markdown, which
    costs each slider move more than the rest of the race around it.
    """
    if not rows:
        return ""
    columns = list(rows[0])
    head = "".join(f"<th scope='col'>{html.escape(c)}</th>" for c in columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(str(row[c]))}</td>" for c in columns) + "</tr>"
        for row in rows
    )
    return (
        "<table class='pg-table'>"
        f"<caption>{html.escape(caption)}</caption>"
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    )


def challenge_verdict(
    names: Sequence[str],
    labels: Sequence[str],
    trajectories: Sequence[optim_core.Trajectory],
    tol: float,
    guess: str,
    *,
    known_minimum: bool = True,
) -> tuple[bool, str]:
    """Whether ``guess`` (an optimizer's name or ``NOBODY``) reached ``f − f* < tol`` first.

    Returns the verdict and a sentence that reveals who won and at which step; a tie
    counts for every optimizer in it. Without a ``known_minimum`` (a saddle's f falls
    without bound, a formula's f* is unknown) no run can be said to reach it: the question
    is then which run ends lowest (``lowest_verdict``).
    """
    if not known_minimum:
        return lowest_verdict(names, labels, trajectories, guess)
    reached = {
        name: (label, optim_core.steps_to_tolerance(traj, tol))
        for name, label, traj in zip(names, labels, trajectories, strict=True)
    }
    steps = [s for _, s in reached.values() if s is not None]
    if not steps:
        return guess == NOBODY, f"None of them got f − f* below {tol:g} in time."
    first = min(steps)
    winners = [name for name, (_, s) in reached.items() if s == first]
    who = " and ".join(reached[name][0] for name in winners)
    if len(winners) > 1:
        sentence = f"A tie: {who} all reach f − f* < {tol:g} at step {first}."
    else:
        sentence = f"{who} gets there first: f − f* < {tol:g} at step {first}."
    return guess in winners, sentence


def lowest_verdict(
    names: Sequence[str],
    labels: Sequence[str],
    trajectories: Sequence[optim_core.Trajectory],
    guess: str,
) -> tuple[bool, str]:
    """Whether ``guess`` ended lowest: the smallest f at the last step, among the runs that
    did not diverge (``NOBODY`` is right when every run diverged). Ties count for each."""
    finals = {
        name: (label, float(traj.loss[-1]))
        for name, label, traj in zip(names, labels, trajectories, strict=True)
        if traj.diverged_at is None and np.isfinite(traj.loss[-1])
    }
    if not finals:
        return guess == NOBODY, "Every run diverged: none of them ends on the map."
    low = min(f for _, f in finals.values())
    winners = [n for n, (_, f) in finals.items() if f <= low + 1e-12 * max(1.0, abs(low))]
    who = " and ".join(finals[name][0] for name in winners)
    if len(winners) > 1:
        return guess in winners, f"A tie: {who} all end at f = {low:.3g}."
    return guess in winners, f"{who} ends lowest, at f = {low:.3g}."


def verdict_html(right: bool, sentence: str) -> str:
    """The challenge's verdict as markup for the map's element (``challenge_verdict``'s result).

    Class ``pg-verdict`` with ``pg-right`` or ``pg-wrong``, styled by ``ui.plotly_element``.
    """
    tone, words = ("pg-right", "Right!") if right else ("pg-wrong", "Not this time.")
    return f"<p class='pg-verdict {tone}' role='status'>{words} {html.escape(sentence)}</p>"


def notes_html(notes: Sequence[str]) -> str:
    """Sentences (e.g. ``divergence_notes``) as warnings in the map's element, escaped."""
    return "".join(f"<p class='pg-verdict pg-wrong'>{html.escape(n)}</p>" for n in notes)


def notice_html(text: str, action: str | None = None, button: str | None = None) -> str:
    """A notice for the map's element, with a ``button`` whose click sets its trigger to
    ``action`` (see ``ui.plotly_element.plotly_element``'s ``above_html`` and ``on_action``)."""
    press = (
        f"<button type='button' data-action='{html.escape(action)}'>{html.escape(button)}</button>"
        if action and button
        else ""
    )
    return f"<div class='pg-notice' role='status'><span>{html.escape(text)}</span>{press}</div>"


def divergence_notes(labels: Sequence[str], trajectories, hyper: Sequence[dict]) -> list[str]:
    """A sentence per diverged run that says where it left and what to try."""
    notes = []
    for label, traj, values in zip(labels, trajectories, hyper, strict=True):
        if traj.diverged_at is None:
            continue
        hint = (
            f"try a smaller η (now {values['lr']:.3g})"
            if "lr" in values
            else "try gentler settings"
        )
        notes.append(f"{label} diverged at step {traj.diverged_at} — {hint}.")
    return notes


def trajectories_csv(labels: Sequence[str], trajectories: Sequence[optim_core.Trajectory]) -> str:
    """Every step of every run as CSV: optimizer, step, x, y, f, ∂f/∂x, ∂f/∂y, η."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["optimizer", "step", "x", "y", "f", "grad_x", "grad_y", "lr"])
    for label, traj in zip(labels, trajectories, strict=True):
        stop = len(traj.params) if traj.diverged_at is None else int(traj.diverged_at)
        lr = np.append(np.asarray(traj.lr, dtype=float).reshape(len(traj.lr), -1)[:, 0], np.nan)
        for t in range(stop):
            x, y = traj.params[t]
            gx, gy = traj.grads[t]
            eta = "" if t >= len(traj.lr) else f"{lr[t]:.17g}"
            writer.writerow(
                [
                    label,
                    t,
                    f"{x:.17g}",
                    f"{y:.17g}",
                    f"{traj.loss[t]:.17g}",
                    f"{gx:.17g}",
                    f"{gy:.17g}",
                    eta,
                ]
            )
    return out.getvalue()
