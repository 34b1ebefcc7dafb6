"""The register of households at the central store: roster imports and each household's
lifecycle (added, edited, opting in or out, leaving), every change logged with who and when.

A register change never touches the ledger. It clears the row's `server_seq`, so the next
pull stamps it and carries it to the kiosks of its village (see `sync.central.stamp_changes`).
Kiosks refuse register changes: the register is the central's.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import String, bindparam, insert, literal, or_, select, update
from sqlmodel import Session, col

from kiosk.core.central_models import RegisterChange, RuleSetProposal
from kiosk.core.clock import as_utc, local_date, start_of_day
from kiosk.core.errors import BadInput, NotFound, Refused
from kiosk.core.households import household_by_code
from kiosk.core.ids import derived_id, new_id
from kiosk.core.ledger import CENTRAL_ORIGIN, local_origin
from kiosk.core.models import (
    CatalogItem,
    CatalogPrice,
    ExchangePoint,
    Household,
    Operator,
    Residency,
    Role,
    RuleSetRecord,
    Village,
    table_of,
)
from kiosk.core.pins import hash_pin, new_one_time_pin
from kiosk.core.reference import (
    catalog_prices_on,
    operator_by_id,
    require_role,
    require_village,
    village_by_name,
)
from kiosk.core.roster import FILE, MARKUP, MAX_NAME, ParsedRoster, RosterProblem, RosterRow
from rules.loader import RuleDataError, parse_ruleset, ruleset_in_force, ruleset_problems

# The fields a register change may set, in the order the change log shows them.
FIELDS = (
    "group_name",
    "head_name",
    "members",
    "residency",
    "long_term_absent",
    "opted_in",
    "opted_out",
)
_HOUSEHOLD = table_of(Household)
_CHANGE = table_of(RegisterChange)


def require_central(session: Session) -> None:
    """Refuse a register change anywhere but at the central: a kiosk's copy is pulled."""
    if local_origin(session) != CENTRAL_ORIGIN:
        raise Refused("register.central_only")


def register_operator(session: Session, operator_id: str) -> Operator:
    """The operator making a register change: a street or village administrator."""
    operator = operator_by_id(session, operator_id)
    require_role(operator, Role.STREET_ADMIN, Role.VILLAGE_ADMIN)
    return operator


def _state(row: Any) -> dict[str, Any]:
    return {name: (list(row[name]) if name == "members" else row[name]) for name in FIELDS}


def _diff(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    changed = [name for name in FIELDS if before[name] != after[name]]
    return {n: before[n] for n in changed}, {n: after[n] for n in changed}


def _change_row(
    subject: str,
    action: str,
    before: dict[str, Any],
    after: dict[str, Any],
    actor_id: str,
    now: datetime,
    note: str | None = None,
) -> dict[str, Any]:
    """One `RegisterChange` row: what changed of `subject`, who changed it and when."""
    return {
        "id": new_id(),
        "subject": subject,
        "action": action,
        "before": before,
        "after": after,
        "note": note,
        "operator_id": actor_id,
        "changed_at": as_utc(now),
    }


def _log_pulled(
    session: Session,
    row: Operator | CatalogItem | CatalogPrice,
    subject: str,
    action: str,
    before: dict[str, Any],
    after: dict[str, Any],
    actor_id: str,
    now: datetime,
) -> None:
    """Log a change of a register row the kiosks hold, and mark the row for their next pull."""
    row.server_seq = None
    session.add(row)
    session.add(RegisterChange(**_change_row(subject, action, before, after, actor_id, now)))
    session.flush()


# --- household codes ---------------------------------------------------------------------------


def _next_numbers(session: Session, villages: Iterable[Village]) -> dict[str, int]:
    """The next free number of each village's code prefix (HP0001, HP0002...)."""
    numbers: dict[str, int] = {}
    for village in villages:
        pattern = re.compile(rf"^{re.escape(village.code_prefix)}(\d+)$")
        codes = session.execute(
            select(_HOUSEHOLD.c.code).where(_HOUSEHOLD.c.village_id == village.id)
        ).scalars()
        found = [int(m.group(1)) for c in codes if (m := pattern.match(c))]
        numbers[village.id] = max(found, default=0) + 1
    return numbers


def _code(village: Village, number: int) -> str:
    return f"{village.code_prefix}{number:04d}"


# --- roster import -------------------------------------------------------------------------------


@dataclass
class ImportReport:
    """What an import did (or, dry or refused, would do): codes added and changed."""

    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    unchanged: int = 0
    errors: list[RosterProblem] = field(default_factory=list)
    written: bool = False
    # Set when the import was asked to write only what an earlier preview showed and the
    # register has changed since (another import, an edit): nothing written, preview again.
    stale: bool = False

    def fingerprint(self) -> str:
        """What the import would do, in a few characters: a preview's promise, checked
        again when the office confirms it."""
        text = f"{sorted(self.added)}|{sorted(self.changed)}|{self.unchanged}"
        return hashlib.sha256(text.encode()).hexdigest()[:32]

    def as_json(self) -> dict[str, object]:
        return {
            "added": self.added,
            "changed": self.changed,
            "unchanged": self.unchanged,
            "errors": [problem.as_json() for problem in self.errors],
            "written": self.written,
        }


@dataclass
class _Plan:
    report: ImportReport
    inserts: list[dict[str, Any]] = field(default_factory=list)
    updates: list[dict[str, Any]] = field(default_factory=list)
    changes: list[dict[str, Any]] = field(default_factory=list)


def _desired(row: RosterRow, current: dict[str, Any] | None) -> dict[str, Any]:
    """The household's fields as the row states them; unstated flags keep their value."""
    absent = row.absent
    if absent is None:
        absent = bool(current["long_term_absent"]) if current else False
    if row.takes_part is None:
        opted_in = bool(current["opted_in"]) if current else False
        opted_out = bool(current["opted_out"]) if current else False
    else:
        opted_in, opted_out = row.takes_part, not row.takes_part
    return {
        "group_name": row.group,
        "head_name": row.head,
        "members": [row.head, *row.members],
        "residency": str(row.residency),
        "long_term_absent": absent,
        "opted_in": opted_in,
        "opted_out": opted_out,
    }


def _plan(
    session: Session, rows: Sequence[RosterRow], operator: Operator, now: datetime, note: str
) -> _Plan:
    plan = _Plan(ImportReport())
    report = plan.report
    problems = report.errors

    def problem(row: int, column: str, key: str, **params: object) -> None:
        problems.append(RosterProblem(row, column, key, params))

    villages = list(session.scalars(select(Village)))
    by_name: dict[str, Village] = {}
    for village in villages:
        by_name[village.id] = village
        by_name[village.name] = village
        by_name[f"{village.name}村"] = village  # "和平村" as often typed
    columns = [_HOUSEHOLD.c[name] for name in ("id", "code", "village_id", "left_at", *FIELDS)]
    existing = [dict(r) for r in session.execute(select(*columns)).mappings()]
    by_code = {r["code"]: r for r in existing}
    by_key: dict[tuple[str, str, str], list[dict[str, Any]]] = defaultdict(list)
    for r in existing:
        if r["left_at"] is None:
            by_key[(r["village_id"], r["group_name"], r["head_name"])].append(r)
    village_names = {v.id: v.name for v in villages}

    seen_codes: dict[str, int] = {}
    seen_keys: dict[tuple[str, str, str], int] = {}
    targeted: dict[str, int] = {}  # household id -> the row that updates it
    new_rows: list[tuple[RosterRow, Village]] = []
    updates: list[tuple[RosterRow, dict[str, Any]]] = []
    for row in rows:
        found = by_name.get(row.village)
        if found is None:
            problem(row.row, "村", "roster.unknown_village", village=row.village[:MAX_NAME])
            continue
        if operator.role != Role.STREET_ADMIN and operator.village_id != found.id:
            problem(row.row, "村", "roster.village_scope", operator=operator.id, village=found.name)
            continue
        key = (found.id, row.group, row.head)
        first = seen_keys.get(key)
        if first is not None:
            problem(row.row, "户主", "roster.duplicate_household", first=first)
            continue
        seen_keys[key] = row.row
        if row.code is not None:
            first = seen_codes.get(row.code)
            if first is not None:
                problem(row.row, "户号", "roster.duplicate_code", code=row.code, first=first)
                continue
            seen_codes[row.code] = row.row
            target = by_code.get(row.code)
            if target is None:
                problem(row.row, "户号", "roster.unknown_code", code=row.code)
                continue
            if target["village_id"] != found.id:
                actual = village_names.get(target["village_id"], target["village_id"])
                problem(
                    row.row,
                    "村",
                    "roster.code_village",
                    code=row.code,
                    actual=actual,
                    village=found.name,
                )
                continue
            if target["left_at"] is not None:
                problem(
                    row.row,
                    "户号",
                    "roster.code_left",
                    code=row.code,
                    date=local_date(target["left_at"]).isoformat(),
                    reason="",
                )
                continue
            others = [h for h in by_key.get(key, []) if h["id"] != target["id"]]
            if others:
                problem(
                    row.row, "户主", "roster.other_head", head=row.head, other=others[0]["code"]
                )
                continue
            if row.head != target["head_name"] and row.head not in target["members"]:
                problem(
                    row.row,
                    "户主",
                    "roster.head_change",
                    code=row.code,
                    old=target["head_name"],
                    new=row.head,
                )
                continue
        else:
            matches = by_key.get(key, [])
            if len(matches) > 1:
                codes = "、".join(sorted(m["code"] for m in matches))
                problem(row.row, "户主", "roster.ambiguous", codes=codes)
                continue
            if not matches:
                new_rows.append((row, found))
                continue
            target = matches[0]
        first = targeted.get(target["id"])
        if first is not None:
            problem(row.row, "户号", "roster.same_target", code=target["code"], first=first)
            continue
        targeted[target["id"]] = row.row
        updates.append((row, target))
    if problems:
        problems.sort(key=lambda p: p.row)
        return plan

    numbers = _next_numbers(session, {v.id: v for _r, v in new_rows}.values())
    created_at = as_utc(now)
    for row, village in new_rows:
        code = _code(village, numbers[village.id])
        numbers[village.id] += 1
        state = _desired(row, None)
        household_id = new_id()
        plan.inserts.append(
            {
                "id": household_id,
                "code": code,
                "village_id": village.id,
                "card_version": 1,
                "created_at": created_at,
                "left_at": None,
                "left_reason": None,
                "server_seq": None,
                **state,
            }
        )
        plan.changes.append(
            _change_row(f"household:{household_id}", "add", {}, state, operator.id, now, note)
        )
        report.added.append(code)
    for row, target in updates:
        before, after = _diff(_state(target), _desired(row, target))
        if not after:
            report.unchanged += 1
            continue
        plan.updates.append({"b_id": target["id"], **_desired(row, target)})
        plan.changes.append(
            _change_row(f"household:{target['id']}", "edit", before, after, operator.id, now, note)
        )
        report.changed.append(target["code"])
    return plan


def import_roster(
    session: Session,
    parsed: ParsedRoster,
    *,
    operator_id: str,
    now: datetime,
    dry_run: bool = False,
    source: str = "",
    expected: str | None = None,
) -> ImportReport:
    """Add and update households from a parsed roster, all or nothing: with any problem in
    the file or against the register, nothing is written and the report lists them all.
    With `expected` (a preview's `fingerprint`) it writes only if it would still do exactly
    what the preview showed."""
    require_central(session)
    operator = register_operator(session, operator_id)
    if any(problem.row == FILE for problem in parsed.problems):
        return ImportReport(errors=list(parsed.problems))
    # The rows that parsed are still checked against the register, so one pass over the
    # file lists every problem, not only those of the first kind.
    plan = _plan(session, parsed.rows, operator, now, f"roster {source}".strip())
    report = plan.report
    if parsed.problems:
        report.errors = sorted([*parsed.problems, *report.errors], key=lambda p: p.row)
    if report.errors:
        report.added, report.changed, report.unchanged = [], [], 0
        return report
    if dry_run:
        return report
    if expected is not None and report.fingerprint() != expected:
        report.stale = True
        return report
    if plan.inserts:
        session.execute(insert(_HOUSEHOLD), plan.inserts)
    if plan.updates:
        statement = (
            update(_HOUSEHOLD)
            .where(_HOUSEHOLD.c.id == bindparam("b_id"))
            .values(server_seq=None, **{name: bindparam(name) for name in FIELDS})
        )
        session.connection().execute(statement, plan.updates)
    if plan.changes:
        session.execute(insert(_CHANGE), plan.changes)
    session.flush()
    report.written = True
    return report


# --- one household at a time -------------------------------------------------------------------


def _record(
    session: Session,
    household: Household,
    action: str,
    before: dict[str, Any],
    after: dict[str, Any],
    operator: Operator,
    now: datetime,
    note: str | None = None,
) -> None:
    household.server_seq = None  # the next pull carries it to the village's kiosks
    session.add(household)
    session.add(
        RegisterChange(
            **_change_row(
                f"household:{household.id}", action, before, after, operator.id, now, note
            )
        )
    )
    session.flush()


def _apply(household: Household, values: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    before = _state(household.model_dump())
    after = {**before, **values}
    old, new = _diff(before, after)
    for name, value in new.items():
        setattr(household, name, value)
    return old, new


def _check_name(value: str) -> str:
    value = value.strip(" \u3000")
    if (
        not value
        or len(value) > MAX_NAME
        or any(ch.isdigit() or ch in "、，," or ch in MARKUP for ch in value)
    ):
        raise BadInput("register.bad_name", value=value[:MAX_NAME])
    return value


def _unique_head(
    session: Session, village_id: str, group: str, head: str, own_id: str | None
) -> None:
    other = session.scalars(
        select(Household).where(
            col(Household.village_id) == village_id,
            col(Household.group_name) == group,
            col(Household.head_name) == head,
            col(Household.left_at).is_(None),
        )
    ).first()
    if other is not None and other.id != own_id:
        village = session.get(Village, village_id)
        raise Refused(
            "register.duplicate",
            village=village.name if village else village_id,
            group=group,
            head=head,
            code=other.code,
        )


def _editable(session: Session, code: str, operator: Operator) -> Household:
    household = household_by_code(session, code)
    require_village(operator, household.village_id)
    if household.left_at is not None:
        raise Refused(
            "register.left",
            code=household.code,
            date=local_date(household.left_at).isoformat(),
            reason=household.left_reason or "",
        )
    return household


def add_household(
    session: Session,
    *,
    village: str,
    group: str,
    head: str,
    members: Sequence[str] = (),
    residency: Residency = Residency.NATIVE,
    absent: bool = False,
    operator_id: str,
    now: datetime,
) -> Household:
    """Register one new household under the next code of its village."""
    require_central(session)
    operator = register_operator(session, operator_id)
    found = village_by_name(session, village)
    require_village(operator, found.id)
    group = group.strip()
    group = f"{group}组" if group.isdigit() else group
    if not group or len(group) > MAX_NAME:
        raise BadInput("register.bad_name", value=group[:MAX_NAME])
    head = _check_name(head)
    others = [m for m in (_check_name(name) for name in members) if m != head]
    _unique_head(session, found.id, group, head, None)
    code = _code(found, _next_numbers(session, [found])[found.id])
    household = Household(
        id=new_id(),
        code=code,
        village_id=found.id,
        group_name=group,
        head_name=head,
        members=[head, *dict.fromkeys(others)],
        residency=residency,
        long_term_absent=absent,
        created_at=as_utc(now),
    )
    session.add(household)
    session.flush()
    _record(session, household, "add", {}, _state(household.model_dump()), operator, now)
    return household


def edit_household(
    session: Session,
    code: str,
    *,
    head: str | None = None,
    group: str | None = None,
    members: Sequence[str] | None = None,
    operator_id: str,
    now: datetime,
) -> tuple[Household, dict[str, Any]]:
    """Change a household's head, group or members; returns it and the fields changed."""
    require_central(session)
    operator = register_operator(session, operator_id)
    household = _editable(session, code, operator)
    values: dict[str, Any] = {}
    new_head = _check_name(head) if head is not None else household.head_name
    if group is not None:
        group = group.strip()
        values["group_name"] = f"{group}组" if group.isdigit() else group
    if members is not None:
        others = [m for m in (_check_name(name) for name in members) if m != new_head]
        values["members"] = [new_head, *dict.fromkeys(others)]
    elif head is not None:
        rest = [m for m in household.members if m not in (new_head, household.head_name)]
        values["members"] = [new_head, *rest]
    if head is not None:
        values["head_name"] = new_head
    _unique_head(
        session,
        household.village_id,
        values.get("group_name", household.group_name),
        new_head,
        household.id,
    )
    before, after = _apply(household, values)
    if not after:
        raise BadInput("register.no_change")
    _record(session, household, "edit", before, after, operator, now)
    return household, after


PARTICIPATION = {
    "opt_in": {"opted_in": True, "opted_out": False},
    "opt_out": {"opted_in": False, "opted_out": True},
    "absent": {"long_term_absent": True},
    "present": {"long_term_absent": False},
}


def set_participation(
    session: Session, code: str, change: str, *, operator_id: str, now: datetime
) -> tuple[Household, dict[str, Any]]:
    """Record an opt-in, opt-out, long-term absence or return; returns the fields changed."""
    require_central(session)
    operator = register_operator(session, operator_id)
    household = _editable(session, code, operator)
    before, after = _apply(household, PARTICIPATION[change])
    if not after:
        raise BadInput("register.no_change")
    _record(session, household, "participation", before, after, operator, now)
    return household, after


def leave_household(
    session: Session, code: str, *, reason: str, operator_id: str, now: datetime
) -> Household:
    """Take a household off the register (moved away, merged into another). Its card stops
    working after the next pull; its row and ledger stay, its points go nowhere."""
    require_central(session)
    operator = register_operator(session, operator_id)
    household = _editable(session, code, operator)
    reason = reason.strip()
    if not reason:
        raise BadInput("register.reason_empty")
    household.left_at = as_utc(now)
    household.left_reason = reason[:200]
    _record(
        session,
        household,
        "leave",
        {"left_at": None},
        {"left_at": as_utc(now).isoformat()},
        operator,
        now,
        reason[:200],
    )
    return household


def changes_of(session: Session, household_id: str) -> list[RegisterChange]:
    """A household's register history, oldest first."""
    return list(
        session.scalars(
            select(RegisterChange)
            .where(col(RegisterChange.subject) == f"household:{household_id}")
            .order_by(col(RegisterChange.changed_at), col(RegisterChange.id))
        )
    )


def record_reissue(
    session: Session, household: Household, operator: Operator, now: datetime
) -> None:
    """Log a reissued card (who, when, which version) and send the new version down: until a
    kiosk learns it, the new card is newer than anything the kiosk knows and is refused."""
    version = household.card_version
    _record(
        session,
        household,
        "reissue",
        {"card_version": version - 1},
        {"card_version": version},
        operator,
        now,
    )


def households_for_cards(
    session: Session, village_id: str, since: date | None = None
) -> list[Household]:
    """The village's households on the register, in code order; with `since` (a day in
    Asia/Shanghai) only those added or given a new card from that day on."""
    statement = select(Household).where(
        col(Household.village_id) == village_id, col(Household.left_at).is_(None)
    )
    if since is not None:
        start = as_utc(start_of_day(since))
        reissued = select(_CHANGE.c.subject).where(
            _CHANGE.c.action == "reissue", _CHANGE.c.changed_at >= start
        )
        statement = statement.where(
            or_(
                col(Household.created_at) >= start,
                (literal("household:", String) + col(Household.id)).in_(reissued),
            )
        )
    return list(session.scalars(statement.order_by(col(Household.code))))


# --- operators -------------------------------------------------------------------------------

OPERATOR_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{2,31}$")


def _log_operator(
    session: Session,
    target: Operator,
    action: str,
    before: dict[str, Any],
    after: dict[str, Any],
    actor_id: str,
    now: datetime,
) -> None:
    _log_pulled(session, target, f"operator:{target.id}", action, before, after, actor_id, now)


def _issue_pin(target: Operator, now: datetime) -> str:
    pin = new_one_time_pin()
    target.pin_hash = hash_pin(pin)
    target.pin_one_time = True
    target.pin_issued_at = as_utc(now)
    return pin


def _may_manage(actor: Operator, role: str, village_id: str | None) -> None:
    """Street administrators manage everyone; a village administrator its own shopkeepers."""
    if actor.role == Role.STREET_ADMIN:
        return
    if role != Role.SHOPKEEPER:
        raise Refused("operator.role", operator=actor.name, needed=str(Role.STREET_ADMIN))
    if village_id is None:
        raise Refused("operator.village", operator=actor.name)
    require_village(actor, village_id)


def _operator_view(target: Operator) -> dict[str, Any]:
    return {
        "name": target.name,
        "role": target.role,
        "village_id": target.village_id,
        "exchange_point_id": target.exchange_point_id,
        "active": target.active,
    }


def add_operator(
    session: Session,
    *,
    new_id_: str,
    name: str,
    role: str,
    village: str | None,
    exchange_point: str | None,
    operator_id: str,
    now: datetime,
) -> tuple[Operator, str]:
    """A new operator with a one-time PIN, returned once for the office to hand over."""
    require_central(session)
    actor = register_operator(session, operator_id)
    if not OPERATOR_ID.match(new_id_):
        raise BadInput("operator.id_format", operator=new_id_[:40])
    if session.get(Operator, new_id_) is not None:
        raise Refused("operator.exists", operator=new_id_)
    try:
        role = Role(role)
    except ValueError:
        raise BadInput("operator.role", operator=new_id_, needed="/".join(Role)) from None
    village_id: str | None = None
    if village is not None:
        village_id = village_by_name(session, village).id
    elif role != Role.STREET_ADMIN:
        raise BadInput("operator.needs_village")
    if role == Role.STREET_ADMIN:
        village_id = None
    point_id = _exchange_point(session, exchange_point, village_id) if exchange_point else None
    _may_manage(actor, role, village_id)
    target = Operator(
        id=new_id_,
        name=_check_name(name),
        role=role,
        village_id=village_id,
        exchange_point_id=point_id,
        pin_hash="",
    )
    pin = _issue_pin(target, now)
    session.add(target)
    session.flush()
    _log_operator(session, target, "add", {}, _operator_view(target), actor.id, now)
    return target, pin


def _exchange_point(session: Session, point: str, village_id: str | None) -> str:
    found = session.get(ExchangePoint, point)
    if found is None:
        raise NotFound("operator.point_unknown", point=point)
    if village_id is not None and found.village_id != village_id:
        village = session.get(Village, village_id)
        raise BadInput(
            "operator.point_village", point=point, village=village.name if village else village_id
        )
    return found.id


def _managed(session: Session, target_id: str, actor: Operator) -> Operator:
    target = session.get(Operator, target_id)
    if target is None:
        raise NotFound("operator.unknown", operator=target_id)
    _may_manage(actor, target.role, target.village_id)
    return target


def reissue_pin(session: Session, target_id: str, *, operator_id: str, now: datetime) -> str:
    """A new one-time PIN for a forgotten or exposed one; every kiosk's own PIN for this
    operator is void after the next pull."""
    require_central(session)
    actor = register_operator(session, operator_id)
    target = _managed(session, target_id, actor)
    if not target.active:
        raise Refused("operator.disabled", operator=target.id)
    pin = _issue_pin(target, now)
    _log_operator(
        session, target, "pin", {}, {"pin_issued_at": as_utc(now).isoformat()}, actor.id, now
    )
    return pin


def disable_operator(
    session: Session, target_id: str, *, operator_id: str, now: datetime
) -> Operator:
    """Stop an operator signing in anywhere (after each kiosk's next pull); its records stay."""
    require_central(session)
    actor = register_operator(session, operator_id)
    if target_id == actor.id:
        raise Refused("operator.self")
    target = _managed(session, target_id, actor)
    if not target.active:
        raise Refused("operator.disabled", operator=target.id)
    target.active = False
    _log_operator(session, target, "disable", {"active": True}, {"active": False}, actor.id, now)
    return target


def first_admin(session: Session, *, admin_id: str, name: str, now: datetime) -> str:
    """The central's first street administrator, made at `kiosk central init`; returns the
    one-time PIN. Refused once an active street administrator exists."""
    require_central(session)
    existing = session.scalars(
        select(Operator).where(
            col(Operator.role) == Role.STREET_ADMIN, col(Operator.active).is_(True)
        )
    ).first()
    if existing is not None:
        raise Refused("operator.first_admin", operator=existing.id)
    if not OPERATOR_ID.match(admin_id):
        raise BadInput("operator.id_format", operator=admin_id[:40])
    if session.get(Operator, admin_id) is not None:
        raise Refused("operator.exists", operator=admin_id)
    target = Operator(id=admin_id, name=_check_name(name), role=Role.STREET_ADMIN, pin_hash="")
    pin = _issue_pin(target, now)
    session.add(target)
    session.flush()
    _log_operator(session, target, "add", {}, _operator_view(target), admin_id, now)
    return pin


# --- exchange points -----------------------------------------------------------------------------

POINT_ID = re.compile(r"^[a-z0-9][a-z0-9-]{2,40}$")


def add_exchange_point(
    session: Session,
    *,
    village: str,
    name: str,
    point_id: str | None,
    operator_id: str,
    now: datetime,
) -> ExchangePoint:
    """A further exchange point of a village (a second shop); its stock starts at nothing."""
    require_central(session)
    actor = register_operator(session, operator_id)
    require_role(actor, Role.STREET_ADMIN)
    found = village_by_name(session, village)
    name = name.strip(" \u3000")
    if not name or len(name) > 60 or _unreadable_name(name):
        raise BadInput("register.bad_name", value=name[:60])
    points = list(
        session.scalars(select(ExchangePoint).where(col(ExchangePoint.village_id) == found.id))
    )
    if any(p.name == name for p in points):
        raise Refused("point.exists", point=name)
    if point_id is None:
        taken = {p.id for p in points}
        number = len(points) + 1
        while f"{found.id}-shop-{number}" in taken:
            number += 1
        point_id = f"{found.id}-shop-{number}"
    if not POINT_ID.match(point_id):
        raise BadInput("point.id_format", point=point_id[:40])
    if session.get(ExchangePoint, point_id) is not None:
        raise Refused("point.exists", point=point_id)
    point = ExchangePoint(id=point_id, village_id=found.id, name=name)
    session.add(point)
    session.flush()
    after = {"village_id": found.id, "name": name}
    session.add(
        RegisterChange(**_change_row(f"exchangepoint:{point_id}", "add", {}, after, actor.id, now))
    )
    session.flush()
    return point


def _unreadable_name(value: str) -> bool:
    return any(ch == "\ufffd" or not ch.isprintable() for ch in value)


def exchange_points(session: Session, village: str | None = None) -> list[ExchangePoint]:
    statement = select(ExchangePoint).order_by(col(ExchangePoint.village_id), col(ExchangePoint.id))
    if village is not None:
        statement = statement.where(
            col(ExchangePoint.village_id) == village_by_name(session, village).id
        )
    return list(session.scalars(statement))


# --- the catalogue -------------------------------------------------------------------------------

DUE_CLASSES = ("daily", "appliance")  # handed over within 2 or 7 days (catalog.items.DueClass)
MAX_ITEM_POINTS = 100_000


def _log_item(
    session: Session,
    item: CatalogItem,
    action: str,
    before: dict[str, Any],
    after: dict[str, Any],
    actor: Operator,
    now: datetime,
) -> None:
    _log_pulled(session, item, f"catalog:{item.no}", action, before, after, actor.id, now)


def add_catalog_item(
    session: Session, *, name: str, points: int, due_class: str, operator_id: str, now: datetime
) -> CatalogItem:
    """A new catalogue item under the next number; every kiosk offers it after its next pull."""
    require_central(session)
    actor = register_operator(session, operator_id)
    require_role(actor, Role.STREET_ADMIN)
    name = name.strip(" \u3000")
    if not name or len(name) > 40 or _unreadable_name(name):
        raise BadInput("catalog.bad_name", value=name[:40])
    if not 1 <= points <= MAX_ITEM_POINTS:
        raise BadInput("qty.range", low=1, high=MAX_ITEM_POINTS, qty=points)
    if due_class not in DUE_CLASSES:
        raise BadInput("catalog.due_class", value=due_class[:20])
    existing = list(session.scalars(select(CatalogItem)))
    if any(item.name == name and item.active for item in existing):
        raise Refused("catalog.exists", name=name)
    number = max((item.no for item in existing), default=0) + 1
    item = CatalogItem(no=number, name=name, points=points, due_class=due_class)
    session.add(item)
    session.flush()
    after = {"name": name, "points": points, "due_class": due_class}
    _log_item(session, item, "add", {}, after, actor, now)
    return item


def _item_to_change(session: Session, no: int, operator_id: str) -> tuple[Operator, CatalogItem]:
    """The street administrator changing an item still offered, and the item (at the central)."""
    require_central(session)
    actor = register_operator(session, operator_id)
    require_role(actor, Role.STREET_ADMIN)
    item = session.get(CatalogItem, no)
    if item is None:
        raise NotFound("item.unknown", no=no)
    if not item.active:
        raise Refused("catalog.retired", no=no, name=item.name)
    return actor, item


def retire_catalog_item(
    session: Session, no: int, *, operator_id: str, now: datetime
) -> CatalogItem:
    """No new redemptions of the item from each kiosk's next pull; orders already made keep
    their lines (and price) and are still handed over."""
    actor, item = _item_to_change(session, no, operator_id)
    item.active = False
    _log_item(session, item, "retire", {"active": True}, {"active": False}, actor, now)
    return item


def set_catalog_price(
    session: Session,
    no: int,
    points: int,
    *,
    effective_from: date,
    operator_id: str,
    now: datetime,
) -> CatalogPrice:
    """A new price of an item from a day on; orders made before keep the price they were made
    at, and the history is kept. The day is tomorrow at the earliest, so every kiosk's
    nightly pull brings the price before it is due. Setting the same price for the same
    day again changes nothing; a different price for a day already priced is refused."""
    actor, _item = _item_to_change(session, no, operator_id)
    if not 1 <= points <= MAX_ITEM_POINTS:
        raise BadInput("qty.range", low=1, high=MAX_ITEM_POINTS, qty=points)
    if effective_from <= local_date(now):
        raise Refused("catalog.price_day", day=effective_from.isoformat())
    price_id = derived_id("catalog-price", str(no), effective_from.isoformat())
    existing = session.get(CatalogPrice, price_id)
    if existing is not None:
        if existing.points == points:
            return existing
        raise Refused(
            "catalog.price_set", no=no, day=effective_from.isoformat(), points=existing.points
        )
    before = catalog_prices_on(session, effective_from - timedelta(days=1))[no]
    price = CatalogPrice(
        id=price_id,
        item_no=no,
        points=points,
        effective_from=effective_from,
        set_by=actor.id,
        set_at=as_utc(now),
    )
    after = {"points": points, "from": effective_from.isoformat()}
    # The price row is what the kiosks pull; the item itself is unchanged.
    _log_pulled(session, price, f"catalog:{no}", "price", {"points": before}, after, actor.id, now)
    return price


def price_history(session: Session, no: int) -> list[CatalogPrice]:
    """An item's later prices, oldest first (its first price is the item's own)."""
    return list(
        session.scalars(
            select(CatalogPrice)
            .where(col(CatalogPrice.item_no) == no)
            .order_by(col(CatalogPrice.effective_from))
        )
    )


# --- village rule sets ---------------------------------------------------------------------------

QUARTER_STARTS = frozenset({(1, 1), (4, 1), (7, 1), (10, 1)})
_HEADER_LINE = re.compile(r"^(scope|effective_from)\s*=.*$", re.MULTILINE)


@dataclass
class ProposalReport:
    """A proposed rule set: its proposal id, or every problem of the file (nothing stored)."""

    id: str | None = None
    errors: list[RosterProblem] = field(default_factory=list)

    def as_json(self) -> dict[str, object]:
        return {"id": self.id, "errors": [problem.as_json() for problem in self.errors]}


def _with_header(body: str, scope: str, effective_from: date) -> str:
    """The TOML with its `scope` and `effective_from` set to what the proposal says."""
    head, marker, rest = body.partition("[[rule]]")
    head = _HEADER_LINE.sub("", head).rstrip("\n")
    header = f'{head}\nscope = "{scope}"\neffective_from = "{effective_from.isoformat()}"\n\n'
    return header + marker + rest


def propose_ruleset(
    session: Session,
    body: str,
    *,
    village: str | None,
    effective_from: date,
    operator_id: str,
    now: datetime,
) -> ProposalReport:
    """Store a village's adjusted rule list (or, by a street administrator, a street
    revision) for approval; every problem of the file is reported with its line."""
    require_central(session)
    actor = register_operator(session, operator_id)
    scope = ""
    if village is not None:
        found = village_by_name(session, village)
        require_village(actor, found.id)
        scope = found.id
        if (effective_from.month, effective_from.day) not in QUARTER_STARTS:
            raise BadInput("ruleset.quarter", date=effective_from.isoformat())
    else:
        require_role(actor, Role.STREET_ADMIN)
    if effective_from <= local_date(now):
        raise BadInput("ruleset.past", date=effective_from.isoformat())
    report = ProposalReport()
    for line, where, what in ruleset_problems(body):
        report.errors.append(RosterProblem(line, where, "ruleset.problem", {"what": what}))
    if report.errors:
        return report
    try:
        stated = parse_ruleset(body)
        ruleset = parse_ruleset(_with_header(body, scope, effective_from))
    except RuleDataError as error:
        report.errors.append(RosterProblem(1, "header", "ruleset.problem", {"what": str(error)}))
        return report
    if stated.scope_village not in (None, scope or None):
        report.errors.append(
            RosterProblem(1, "scope", "ruleset.scope", {"scope": stated.scope_village})
        )
        return report
    count = len(list(session.scalars(select(col(RuleSetProposal.id)))))
    proposal = RuleSetProposal(
        id=f"{scope or 'street'}-{effective_from:%Y%m%d}-{count + 1}",
        set_id=ruleset.id,
        version=ruleset.version,
        scope_village_id=scope or None,
        effective_from=effective_from,
        body=_with_header(body, scope, effective_from),
        proposed_by=actor.id,
        proposed_at=as_utc(now),
    )
    session.add(proposal)
    session.add(_ruleset_change(proposal, "propose", actor, now))
    session.flush()
    report.id = proposal.id
    return report


def _ruleset_change(
    proposal: RuleSetProposal, action: str, actor: Operator, now: datetime
) -> RegisterChange:
    after = {
        "set": f"{proposal.set_id}@{proposal.version}",
        "village_id": proposal.scope_village_id,
        "effective_from": proposal.effective_from.isoformat(),
    }
    return RegisterChange(**_change_row(f"ruleset:{proposal.id}", action, {}, after, actor.id, now))


def approve_ruleset(
    session: Session, proposal_id: str, *, operator_id: str, now: datetime
) -> RuleSetRecord:
    """A street administrator approves a proposal: it becomes a rule set the kiosks of its
    village (all kiosks, for a street revision) pull and apply from its effective date."""
    require_central(session)
    actor = register_operator(session, operator_id)
    require_role(actor, Role.STREET_ADMIN)
    proposal = session.get(RuleSetProposal, proposal_id)
    if proposal is None:
        raise NotFound("ruleset.unknown", id=proposal_id)
    if proposal.approved_at is not None:
        raise Refused("ruleset.approved", id=proposal_id, record=proposal.record_id or "")
    if proposal.proposed_by == actor.id:
        # Four eyes: a change of every household's prices is read by a second person, as a
        # declaration is never decided by whoever filed it.
        raise Refused("ruleset.own_proposal", id=proposal_id)
    if proposal.effective_from <= local_date(now):
        # Entries already priced by the set in force must not change under it.
        raise Refused("ruleset.past", date=proposal.effective_from.isoformat())
    key = f"{proposal.set_id}@{proposal.version}"
    if session.get(RuleSetRecord, key) is not None:
        key = f"{key}@{proposal.effective_from.isoformat()}"  # the same list approved again
    if session.get(RuleSetRecord, key) is not None:
        raise Refused("ruleset.approved", id=proposal_id, record=key)
    record = RuleSetRecord(
        id=key,
        set_id=proposal.set_id,
        version=proposal.version,
        scope_village_id=proposal.scope_village_id,
        effective_from=proposal.effective_from,
        body=proposal.body,
    )
    session.add(record)
    proposal.approved_by = actor.id
    proposal.approved_at = as_utc(now)
    proposal.record_id = key
    session.add(proposal)
    session.add(_ruleset_change(proposal, "approve", actor, now))
    session.flush()
    return record


def rulesets_overview(session: Session, *, village: str | None, at: date) -> dict[str, Any]:
    """Which rule set applies to which village on `at`, every approved set with its dates,
    and the proposals still waiting for approval."""
    villages = list(session.scalars(select(Village).order_by(col(Village.id))))
    if village is not None:
        villages = [village_by_name(session, village)]
    records = list(
        session.scalars(select(RuleSetRecord).order_by(col(RuleSetRecord.effective_from)))
    )
    parsed = {record.id: parse_ruleset(record.body) for record in records}
    by_key = {ruleset.key + str(ruleset.effective_from): rid for rid, ruleset in parsed.items()}
    in_force = []
    for found in villages:
        ruleset = ruleset_in_force(list(parsed.values()), found.id, at)
        in_force.append(
            {
                "village_id": found.id,
                "village": found.name,
                "ruleset": by_key[ruleset.key + str(ruleset.effective_from)],
                "scope": ruleset.scope_village,
                "effective_from": ruleset.effective_from.isoformat(),
            }
        )
    wanted = {v.id for v in villages}
    proposals = [
        {
            "id": p.id,
            "set": f"{p.set_id}@{p.version}",
            "village_id": p.scope_village_id,
            "effective_from": p.effective_from.isoformat(),
            "proposed_by": p.proposed_by,
            "approved_by": p.approved_by,
            "ruleset": p.record_id,
        }
        for p in session.scalars(select(RuleSetProposal).order_by(col(RuleSetProposal.id)))
        if p.scope_village_id is None or p.scope_village_id in wanted
    ]
    return {"at": at.isoformat(), "in_force": in_force, "proposals": proposals}
