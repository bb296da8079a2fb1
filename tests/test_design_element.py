"""The design's cards of sliders as one element of native inputs (``ui.design_element``)."""

from __future__ import annotations

import json

import pytest
from figure_checks import design_cards
from test_app import render

import optim_core
from ui import controls, design_element, state, static_files


def test_the_elements_module_is_served_under_a_name_that_changes_with_it():
    assert design_element.available()
    name = static_files.module_name(design_element.SOURCE)
    served = static_files.STATIC_DIR / name
    assert served.read_bytes() == design_element.SOURCE.read_bytes()
    assert design_element.MODULE_URL.endswith(name)
    assert len(list(static_files.STATIC_DIR.glob("design_element.*.js"))) == 1  # no older copy


def test_the_component_code_only_imports_the_module():
    at = render()
    (element,) = [e for e in at.get("bidi_component") if "cards" in json.loads(e.proto.json)]
    assert design_element.MODULE_URL in element.proto.js_content
    assert len(element.proto.js_content) < 1000  # a loader, not the module


def test_each_racing_optimizer_has_a_card_built_from_its_declarations():
    at = render()
    cards = design_cards(at)
    assert [c["name"] for c in cards] == list(state.DEFAULT_OPTIMIZERS)
    for card in cards:
        spec = optim_core.OPTIMIZERS[card["name"]]
        assert (card["label"], card["summary"]) == (spec.label, spec.summary)
        items = [*spec.hyperparams, *spec.options]
        assert [c["key"] for c in card["controls"]] == [
            state.hp_key(card["name"], i.name) for i in items
        ]
        for control, item in zip(card["controls"], items, strict=True):
            assert control["help"] == item.help and control["label"]
            assert control["value"] == at.session_state[control["key"]]
            if control["kind"] != "range":
                continue
            assert control["label"] == controls.param_label(item)
            if state.slider_grid(item):  # log-scaled: its grid, the value on it, one label each
                assert control["value"] in control["values"]
                assert len(set(control["labels"])) == len(control["labels"])
                assert control["values"] == sorted(control["values"])
            else:
                assert (control["min"], control["max"]) == (item.low, item.high)
                assert control["step"] == controls.linear_step(item)


def test_yes_no_options_are_checkboxes_and_others_radios():
    at = render({"opt": "momentum,adam"})
    drawn = {c["key"]: c for card in design_cards(at) for c in card["controls"]}
    assert drawn["hp_adam_bias_correction"]["kind"] == "checkbox"
    assert drawn["hp_adam_bias_correction"]["value"] is True
    formulation = drawn["hp_momentum_formulation"]
    assert formulation["kind"] == "radio"
    assert formulation["choices"] == list(optim_core.OPTIMIZERS["momentum"].options[0].choices)
    assert formulation["value"] == "pytorch"


def test_a_links_values_are_the_cards_values_exactly():
    at = render({"opt": "adam", "adam.lr": "0.0123", "adam.beta2": "0.99987"})
    (card,) = design_cards(at)
    drawn = {c["key"]: c for c in card["controls"]}
    lr, beta2 = drawn["hp_adam_lr"], drawn["hp_adam_beta2"]
    assert lr["value"] == 0.0123 and lr["labels"][lr["values"].index(0.0123)] == "0.0123"
    assert beta2["value"] == 0.99987 and "0.99987" in beta2["labels"]


def test_a_teachers_link_hides_cards_and_sliders():
    at = render({"hide": "momentum,adam.lr,adam.bias_correction"})
    cards = {c["name"]: c for c in design_cards(at)}
    assert "momentum" not in cards and "gd" in cards
    keys = [c["key"] for c in cards["adam"]["controls"]]
    assert "hp_adam_lr" not in keys and "hp_adam_bias_correction" not in keys
    assert "hp_adam_beta1" in keys


@pytest.mark.parametrize("hidden", ["", "momentum"])
def test_without_static_files_the_cards_are_streamlits_widgets(monkeypatch, hidden):
    monkeypatch.setattr(design_element, "available", lambda: False)
    at = render({"hide": hidden} if hidden else None)
    assert not at.exception
    assert not [e for e in at.get("bidi_component") if "cards" in json.loads(e.proto.json)]
    keys = {s.key for s in at.select_slider} | {s.key for s in at.slider}
    racing = [n for n in state.DEFAULT_OPTIMIZERS if n != hidden]
    assert {state.hp_key(n, "lr") for n in racing} <= keys
    assert (state.hp_key("momentum", "lr") in keys) is (hidden != "momentum")
