"""Learning-rate schedules: hand-computed factors, declarations, and torch's schedulers."""

import numpy as np
import pytest

from optim_core.schedules import SCHEDULES, Schedule, resolve_schedule

NAMES = list(SCHEDULES)


def test_the_five_schedules_in_display_order():
    assert NAMES == ["constant", "step", "exponential", "cosine", "warmup_cosine"]


@pytest.mark.parametrize("name", NAMES)
def test_every_schedule_starts_near_one_and_stays_in_zero_one(name):
    schedule = SCHEDULES[name]
    factors = schedule(500)
    assert factors.shape == (500,) and factors.dtype == np.float64
    assert np.all((factors >= 0) & (factors <= 1))
    assert factors.max() == 1.0
    assert schedule.latex and schedule.label and schedule.reference
    for p in schedule.params:
        assert schedule.values[p.name] == p.default


@pytest.mark.parametrize("name", NAMES)
def test_zero_and_one_step(name):
    assert SCHEDULES[name](0).shape == (0,)
    assert SCHEDULES[name](1).shape == (1,)


def test_constant_is_all_ones():
    np.testing.assert_array_equal(SCHEDULES["constant"](4), [1.0, 1.0, 1.0, 1.0])


def test_step_decay_by_hand():
    step = SCHEDULES["step"].with_params(gamma=0.5, every=3)
    np.testing.assert_array_equal(step(8), [1, 1, 1, 0.5, 0.5, 0.5, 0.25, 0.25])


def test_exponential_by_hand():
    exponential = SCHEDULES["exponential"].with_params(gamma=0.5)
    np.testing.assert_array_equal(exponential(4), [1, 0.5, 0.25, 0.125])


def test_cosine_by_hand():
    # s_t = ½(1 + cos(πt/4)) for T = 4: 1, (2 + √2)/4, ½, (2 − √2)/4
    r = np.sqrt(2)
    np.testing.assert_allclose(SCHEDULES["cosine"](4), [1, (2 + r) / 4, 0.5, (2 - r) / 4])
    # with a floor of ¼: s_t = ¼ + ¾ · ½(1 + cos(πt/4))
    floored = SCHEDULES["cosine"].with_params(floor=0.25)(4)
    np.testing.assert_allclose(
        floored, [1, 0.25 + 0.75 * (2 + r) / 4, 0.625, 0.25 + 0.75 * (2 - r) / 4]
    )


def test_warmup_then_cosine_by_hand():
    schedule = SCHEDULES["warmup_cosine"].with_params(warmup=4, start=0.2, floor=0.0)
    # ramp 0.2 → 1 over 4 steps: 0.2, 0.4, 0.6, 0.8; then cosine over the 4 remaining steps
    r = np.sqrt(2)
    expected = [0.2, 0.4, 0.6, 0.8, 1.0, (2 + r) / 4, 0.5, (2 - r) / 4]
    np.testing.assert_allclose(schedule(8), expected, rtol=1e-15)


def test_warmup_longer_than_the_run_only_ramps():
    factors = SCHEDULES["warmup_cosine"].with_params(warmup=100, start=0.5)(10)
    np.testing.assert_allclose(factors, 0.5 + 0.5 * np.arange(10) / 10)


def test_with_params_checks_names_and_ranges():
    with pytest.raises(ValueError, match="no parameter"):
        SCHEDULES["step"].with_params(step_size=10)
    with pytest.raises(ValueError, match="outside"):
        SCHEDULES["step"].with_params(gamma=2.0)
    with pytest.raises(ValueError, match="no parameter"):
        SCHEDULES["constant"].with_params(gamma=0.5)
    changed = SCHEDULES["exponential"].with_params(gamma=0.9)
    assert changed.values["gamma"] == 0.9 and SCHEDULES["exponential"].values["gamma"] != 0.9


def test_resolve_schedule():
    assert resolve_schedule(None) is SCHEDULES["constant"]
    assert resolve_schedule("cosine") is SCHEDULES["cosine"]
    assert isinstance(resolve_schedule("step"), Schedule)

    def halving(steps):
        return 0.5 * np.ones(steps)

    assert resolve_schedule(halving) is halving
    with pytest.raises(ValueError, match="unknown schedule"):
        resolve_schedule("linear")


TORCH_REASON = "torch (a test-only dependency, torch==2.13.0 CPU) is needed to compare with torch"


def _torch_schedulers(s, o, steps):
    """Our schedule with non-default values, and how to build the torch scheduler it equals.

    Each torch scheduler sets the optimizer's lr when built, so only one may be built.
    """
    return [
        (SCHEDULES["constant"], lambda: s.ConstantLR(o, factor=1.0)),
        (
            SCHEDULES["step"].with_params(gamma=0.3, every=7),
            lambda: s.StepLR(o, step_size=7, gamma=0.3),
        ),
        (SCHEDULES["exponential"].with_params(gamma=0.97), lambda: s.ExponentialLR(o, gamma=0.97)),
        (
            SCHEDULES["cosine"].with_params(floor=0.1),
            lambda: s.CosineAnnealingLR(o, T_max=steps, eta_min=0.1 * 0.5),
        ),
        (
            SCHEDULES["warmup_cosine"].with_params(warmup=10, start=0.05, floor=0.2),
            lambda: s.SequentialLR(
                o,
                [
                    s.LinearLR(o, start_factor=0.05, end_factor=1.0, total_iters=10),
                    s.CosineAnnealingLR(o, T_max=steps - 10, eta_min=0.2 * 0.5),
                ],
                milestones=[10],
            ),
        ),
    ]


@pytest.mark.torch
@pytest.mark.parametrize("index", range(len(NAMES)))
def test_factors_equal_torch_schedulers(index):
    torch = pytest.importorskip("torch", reason=TORCH_REASON)
    torch.set_default_dtype(torch.float64)
    steps, lr = 60, 0.5
    param = torch.zeros(1, requires_grad=True)
    opt = torch.optim.SGD([param], lr=lr)
    schedule, build = _torch_schedulers(torch.optim.lr_scheduler, opt, steps)[index]
    scheduler = build()
    assert schedule.name == NAMES[index]
    theirs = []
    for _ in range(steps):
        theirs.append(opt.param_groups[0]["lr"])  # the lr optimizer.step() uses at this step
        opt.step()
        scheduler.step()
    np.testing.assert_allclose(lr * schedule(steps), theirs, rtol=1e-12, atol=1e-15)
