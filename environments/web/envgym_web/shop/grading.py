"""Grading ``web/shop`` tasks on the application's server-side state or on the agent's answer.

Example:
    >>> from envgym_web.shop.store import initial_state
    >>> grade_state({"kind": "default", "label": "Work"}, initial_state(), None).reward
    0.0
    >>> grade_answer({"kind": "answer", "number": 36.99}, "It was $36.99.").reward
    1.0
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from envgym.protocol import Grade, GradeComponent
from envgym_web.shop.store import Address, Line, ShopState

NUMBER = re.compile(r"-?\d[\d,]*(?:\.\d+)?")


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"[\"'`.!?]", "", text)).strip().lower()


def _lines(lines: list[Line]) -> Counter[tuple[str, str | None]]:
    out: Counter[tuple[str, str | None]] = Counter()
    for line in lines:
        out[(line.sku, line.size)] += line.qty
    return out


def _expected_lines(spec: list[list[Any]]) -> Counter[tuple[str, str | None]]:
    out: Counter[tuple[str, str | None]] = Counter()
    for sku, size, qty in spec:
        out[(sku, size)] += qty
    return out


def _address_matches(address: Address, expected: dict[str, str]) -> bool:
    return all(_norm(getattr(address, k)) == _norm(v) for k, v in expected.items())


def _result(components: list[GradeComponent], details: dict[str, Any]) -> Grade:
    passed = all(c.passed for c in components)
    return Grade(reward=1.0 if passed else 0.0, passed=passed, components=components, details=details)


def grade_answer(check: dict[str, Any], answer: str | None) -> Grade:
    if answer is None or not answer.strip():
        return Grade(
            reward=0.0,
            passed=False,
            components=[GradeComponent(name="answer", reward=0.0, passed=False)],
            details={"reason": "no answer given"},
        )
    if "number" in check:
        numbers = [float(n.replace(",", "")) for n in NUMBER.findall(answer)]
        ok = len(numbers) >= 1 and abs(numbers[0] - float(check["number"])) < 0.005
    else:
        ok = _norm(answer) in {_norm(t) for t in check["text"]}
    return _result([GradeComponent(name="answer", reward=float(ok), passed=ok)], {"answer": answer[:200]})


def grade_state(check: dict[str, Any], state: ShopState, answer: str | None) -> Grade:
    kind = check["kind"]
    comps: list[GradeComponent] = []
    details: dict[str, Any] = {}
    if kind == "answer":
        return grade_answer(check, answer)
    if kind == "order":
        new = state.new_orders()
        details["new_orders"] = [o.id for o in new]
        comps.append(GradeComponent(name="one_order", reward=float(len(new) == 1), passed=len(new) == 1))
        order = new[-1] if new else None
        ok_lines = order is not None and _lines(order.lines) == _expected_lines(check["lines"])
        comps.append(GradeComponent(name="items", reward=float(ok_lines), passed=ok_lines))
        if "address" in check:
            ok = order is not None and _address_matches(order.address, check["address"])
            comps.append(GradeComponent(name="address", reward=float(ok), passed=ok))
        if "shipping" in check:
            ok = order is not None and order.shipping == check["shipping"]
            comps.append(GradeComponent(name="shipping", reward=float(ok), passed=ok))
        if "coupon" in check:
            ok = order is not None and (order.coupon or "") == check["coupon"]
            comps.append(GradeComponent(name="coupon", reward=float(ok), passed=ok))
    elif kind == "cart":
        ok = _lines(state.cart) == _expected_lines(check["lines"])
        comps.append(GradeComponent(name="cart", reward=float(ok), passed=ok))
        none = not state.new_orders()
        comps.append(GradeComponent(name="no_order", reward=float(none), passed=none))
    elif kind == "profile":
        for key, value in check["fields"].items():
            ok = getattr(state.profile, key) == value
            comps.append(GradeComponent(name=key, reward=float(ok), passed=ok))
    elif kind == "default":
        ok = state.default_label == check["label"]
        comps.append(GradeComponent(name="default", reward=float(ok), passed=ok))
    elif kind == "address":
        found = state.address(check["label"])
        ok = found is not None and _address_matches(found, check["fields"])
        comps.append(GradeComponent(name="address", reward=float(ok), passed=ok))
        if "default" in check:
            ok = state.default_label == check["default"]
            comps.append(GradeComponent(name="default", reward=float(ok), passed=ok))
    elif kind == "labels":
        ok = sorted(a.label for a in state.addresses) == sorted(check["labels"])
        comps.append(GradeComponent(name="addresses", reward=float(ok), passed=ok))
    else:
        raise ValueError(f"unknown check kind {kind!r}")
    return _result(comps, details)
