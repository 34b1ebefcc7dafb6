"""Operators at the central (added with a one-time PIN printed once, new PINs, disabling), the
first street administrator of `kiosk central init`, and a kiosk's sign-in: the one-time PIN
changed at the first sign-in, and a growing wait after wrong PINs, every attempt recorded."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlmodel import col

from kiosk.core.db import read_session, write_session
from kiosk.core.errors import BadInput, DomainError, NotFound, Refused
from kiosk.core.models import Operator, SignInAttempt
from kiosk.core.pins import FREE_FAILURES, must_change_pin, verify_pin, wait_after
from kiosk.services.register import change_pin, sign_in
from tests.register.conftest import HEPING_ADMIN, NOW, STREET_ADMIN, Office


def _operator(office: Office, operator_id: str) -> Operator:
    with read_session(office.engine) as session:
        found = session.get(Operator, operator_id)
    assert found is not None
    return found


def _add_shopkeeper(office: Office, new_id: str = "shop-heping-2", by: str = STREET_ADMIN) -> str:
    result = office.run(
        "operator",
        "add",
        "--id",
        new_id,
        "--name",
        "甲乙",
        "--role",
        "shopkeeper",
        "--village",
        "和平",
        "--exchange-point",
        "heping-shop",
        "--operator",
        by,
        "--json",
    )
    assert result.code == 0, result.err
    pin: str = result.json()["pin"]
    return pin


def test_central_init_makes_the_first_street_administrator_with_a_one_time_pin(
    office: Office,
) -> None:
    with write_session(office.engine) as session:  # a central as init leaves it: no operator
        for operator in session.scalars(select(Operator)):
            session.delete(operator)

    result = office.run(
        "central", "init", "--admin-id", "office-1", "--admin-name", "丙丁", "--json"
    )

    assert result.code == 0, result.err
    pin = result.json()["admin_pin"]
    assert len(pin) == 6 and pin.isdigit()
    admin = _operator(office, "office-1")
    assert admin.role == "street_admin" and admin.pin_one_time and admin.pin_hash != pin
    assert verify_pin(pin, admin.pin_hash)
    again = office.run("central", "init", "--admin-id", "office-2", "--admin-name", "戊己")
    assert again.code == 2 and "office-1" in again.err
    text = office.run("central", "init")
    assert text.code == 0 and "一次性密码" not in text.out


def test_an_operator_gets_a_pin_printed_once_and_stored_hashed(office: Office) -> None:
    result = office.run(
        "operator",
        "add",
        "--id",
        "shop-heping-2",
        "--name",
        "甲乙",
        "--role",
        "shopkeeper",
        "--village",
        "和平",
        "--operator",
        STREET_ADMIN,
    )

    assert result.code == 0, result.err
    line = next(line for line in result.out.splitlines() if "一次性密码" in line)
    pin = line.split("：")[1][:6]
    operator = _operator(office, "shop-heping-2")
    assert verify_pin(pin, operator.pin_hash) and pin not in operator.pin_hash
    assert (operator.village_id, operator.server_seq) == ("heping", None)


@pytest.mark.parametrize(
    ("argv", "by"),
    [
        (["--role", "shopkeeper", "--village", "双丰"], HEPING_ADMIN),
        (["--role", "village_admin", "--village", "和平"], HEPING_ADMIN),
        (["--role", "shopkeeper"], STREET_ADMIN),
        (
            ["--role", "shopkeeper", "--village", "和平", "--exchange-point", "sanhe-shop"],
            STREET_ADMIN,
        ),
        (["--role", "shopkeeper", "--village", "和平", "--id", "x"], STREET_ADMIN),
        (["--role", "shopkeeper", "--village", "和平", "--id", STREET_ADMIN], STREET_ADMIN),
    ],
    ids=[
        "other village",
        "village admin adds an admin",
        "no village",
        "point of another village",
        "short id",
        "existing id",
    ],
)
def test_operators_that_may_not_be_added(office: Office, argv: list[str], by: str) -> None:
    if "--id" not in argv:
        argv = [*argv, "--id", "new-one"]
    result = office.run("operator", "add", "--name", "甲乙", *argv, "--operator", by)

    assert result.code == 2 and result.err
    with read_session(office.engine) as session:
        assert session.get(Operator, "new-one") is None


def test_a_village_administrator_adds_its_own_shopkeepers(office: Office) -> None:
    _add_shopkeeper(office, by=HEPING_ADMIN)

    assert _operator(office, "shop-heping-2").exchange_point_id == "heping-shop"


def test_the_one_time_pin_must_be_changed_at_the_first_sign_in(office: Office) -> None:
    pin = _add_shopkeeper(office)

    _operator_row, must_change = sign_in(office.engine, "shop-heping-2", pin, NOW)
    assert must_change
    for weak in ("111111", "123456", "12345", pin):
        with pytest.raises(BadInput):
            change_pin(office.engine, "shop-heping-2", pin, weak, NOW)
    change_pin(office.engine, "shop-heping-2", pin, "482915", NOW)

    assert sign_in(office.engine, "shop-heping-2", "482915", NOW)[1] is False
    with pytest.raises(BadInput):
        sign_in(office.engine, "shop-heping-2", pin, NOW)


def test_a_new_pin_from_the_office_voids_the_one_chosen_on_the_kiosk(office: Office) -> None:
    first = _add_shopkeeper(office)
    change_pin(office.engine, "shop-heping-2", first, "482915", NOW)

    result = office.run("operator", "pin", "shop-heping-2", "--operator", STREET_ADMIN, "--json")

    assert result.code == 0
    second = result.json()["pin"]
    with pytest.raises(BadInput):
        sign_in(office.engine, "shop-heping-2", "482915", NOW + timedelta(minutes=1))
    assert sign_in(office.engine, "shop-heping-2", second, NOW + timedelta(minutes=2))[1] is True


def test_a_disabled_operator_cannot_sign_in_and_the_change_goes_down(office: Office) -> None:
    pin = _add_shopkeeper(office)

    result = office.run("operator", "disable", "shop-heping-2", "--operator", STREET_ADMIN)

    assert result.code == 0
    operator = _operator(office, "shop-heping-2")
    assert not operator.active and operator.server_seq is None
    with pytest.raises(NotFound):
        sign_in(office.engine, "shop-heping-2", pin, NOW)
    assert office.run("operator", "disable", STREET_ADMIN, "--operator", STREET_ADMIN).code == 2


def test_wrong_pins_make_the_operator_wait_longer_each_time_and_are_recorded(
    office: Office,
) -> None:
    pin = _add_shopkeeper(office)
    at = NOW
    for _ in range(FREE_FAILURES - 1):
        with pytest.raises(BadInput) as wrong:
            sign_in(office.engine, "shop-heping-2", "000000", at)
        assert wrong.value.key == "operator.bad_pin"
    with pytest.raises(BadInput) as third:
        sign_in(office.engine, "shop-heping-2", "000000", at)
    assert third.value.key == "operator.bad_pin_wait"

    # While waiting even the right PIN is not checked: guessing cannot skip the wait.
    with pytest.raises(Refused) as locked:
        sign_in(office.engine, "shop-heping-2", pin, at + timedelta(seconds=29))
    assert locked.value.key == "operator.locked" and locked.value.params["seconds"] == 1
    at += wait_after(FREE_FAILURES)
    with pytest.raises(BadInput):
        sign_in(office.engine, "shop-heping-2", "999999", at)
    with pytest.raises(Refused):
        sign_in(office.engine, "shop-heping-2", pin, at + wait_after(FREE_FAILURES))
    at += wait_after(FREE_FAILURES + 1)
    assert sign_in(office.engine, "shop-heping-2", pin, at)[0].id == "shop-heping-2"

    with read_session(office.engine) as session:
        attempts = [
            a.ok
            for a in session.scalars(
                select(SignInAttempt)
                .where(col(SignInAttempt.operator_id) == "shop-heping-2")
                .order_by(col(SignInAttempt.at))
            )
        ]
    assert attempts == [False] * (FREE_FAILURES + 1) + [True]
    # A right PIN starts the count again.
    with pytest.raises(BadInput) as fresh:
        sign_in(office.engine, "shop-heping-2", "000000", at)
    assert fresh.value.key == "operator.bad_pin"


def test_an_empty_pin_is_no_attempt(office: Office) -> None:
    """An Enter on an empty box guesses nothing: said, not recorded, no nearer a wait."""
    _add_shopkeeper(office)
    for _ in range(FREE_FAILURES + 2):
        with pytest.raises(BadInput) as empty:
            sign_in(office.engine, "shop-heping-2", "", NOW)
        assert empty.value.key == "operator.pin_missing"
    with read_session(office.engine) as session:
        recorded = session.scalars(
            select(SignInAttempt).where(col(SignInAttempt.operator_id) == "shop-heping-2")
        ).all()
    assert recorded == []
    with pytest.raises(BadInput) as wrong:
        sign_in(office.engine, "shop-heping-2", "000000", NOW)
    assert wrong.value.key == "operator.bad_pin"


def test_the_wait_grows_to_an_hour_and_no_further() -> None:
    waits = [wait_after(n) for n in range(40)]

    assert waits[:FREE_FAILURES] == [timedelta(0)] * FREE_FAILURES
    assert waits == sorted(waits) and waits[-1] == timedelta(hours=1)
    # A million six-digit PINs at an hour each, after the first twenty or so.
    assert sum(waits, timedelta(0)) + (10**6 - 40) * waits[-1] > timedelta(days=365 * 100)


def test_a_changed_pin_is_kept_on_the_kiosk_that_changed_it(office: Office) -> None:
    pin = _add_shopkeeper(office)
    change_pin(office.engine, "shop-heping-2", pin, "482915", NOW)

    with read_session(office.engine) as session:
        operator = session.get(Operator, "shop-heping-2")
        assert operator is not None
        assert not must_change_pin(session, operator)
        assert verify_pin(pin, operator.pin_hash)  # the register's row is the office's PIN


def test_errors_of_sign_in_are_domain_errors() -> None:
    assert issubclass(Refused, DomainError) and issubclass(BadInput, DomainError)
