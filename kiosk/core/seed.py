"""Reference data every database starts with, and the fictional demo village data.

The nine villages are those of 附件5; every person here is invented (the document's own
names and phone numbers belong to real officials and never appear in this project).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import func
from sqlmodel import Session, select

from catalog.items import load_items
from kiosk.core.clock import SHANGHAI, as_utc
from kiosk.core.codes import CardSigner
from kiosk.core.errors import Refused
from kiosk.core.ids import derived_id, new_id
from kiosk.core.ledger import append_entry, meta_set, next_origin_seq
from kiosk.core.models import (
    CatalogItem,
    ExchangePoint,
    Household,
    Operator,
    Residency,
    Role,
    RuleSetRecord,
    StockMovement,
    Village,
)
from kiosk.core.pins import hash_pin
from rules.loader import parse_ruleset, street_ruleset_text

# (slug, name, code prefix) in the order of 附件5.
VILLAGES: tuple[tuple[str, str, str], ...] = (
    ("heping", "和平", "HP"),
    ("xizige", "惜字阁", "XZG"),
    ("shuangfeng", "双丰", "SF"),
    ("ranjiadian", "冉家店", "RJD"),
    ("hongxing", "红星", "HX"),
    ("jinxing", "金星", "JX"),
    ("wuxing", "五星", "WX"),
    ("sanhe", "三合", "SH"),
    ("shuifeng", "水峰", "SHF"),
)

DEMO_PINS = {Role.SHOPKEEPER: "1111", Role.VILLAGE_ADMIN: "2222", Role.STREET_ADMIN: "9999"}

_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高梁谢唐韩冯邓曹彭曾肖田董潘袁蒋蔡余杜叶程魏苏吕丁任沈姚卢傅钟姜崔谭陆范汪廖石金贾夏付方邹熊白孟秦邱侯江尹薛闫段雷龙黎史陶贺顾毛郝龚邵万覃武钱戴严莫孔向常汤"
_GIVEN = "秀英桂芳玉兰明华建国志强德福春梅淑珍永红小平家文国华丽娟海燕晓东伟军成才光辉红霞翠花治平远山清泉雪莲松柏"


@dataclass(frozen=True)
class DemoOperator:
    id: str
    name: str
    role: str
    village: str | None
    pin: str


@dataclass(frozen=True)
class SeedResult:
    villages: int
    households: int
    entries: int
    operators: list[DemoOperator]
    signing_key_path: Path | None


def database_is_empty(session: Session) -> bool:
    return session.exec(select(func.count()).select_from(Village)).one() == 0


def seed_reference(session: Session, now: datetime) -> None:
    """Villages, one exchange point each, the catalogue and the street's rule set."""
    for slug, name, prefix in VILLAGES:
        session.add(Village(id=slug, name=name, code_prefix=prefix))
    # Without ORM relationships the unit of work does not order inserts by foreign keys.
    session.flush()
    for slug, name, _prefix in VILLAGES:
        session.add(ExchangePoint(id=f"{slug}-shop", village_id=slug, name=f"{name}村便民商店"))
    for item in load_items():
        session.add(
            CatalogItem(no=item.no, name=item.name, points=item.points, due_class=item.due_class)
        )
    body = street_ruleset_text()
    ruleset = parse_ruleset(body)
    session.add(
        RuleSetRecord(
            id=ruleset.key,
            set_id=ruleset.id,
            version=ruleset.version,
            scope_village_id=None,
            effective_from=ruleset.effective_from,
            body=body,
        )
    )
    session.flush()


def fictional_name(rng: random.Random) -> str:
    given_length = rng.choice((1, 2, 2, 2))
    pairs = [_GIVEN[i : i + 2] for i in range(0, len(_GIVEN) - 1, 2)]
    given = rng.choice(pairs) if given_length == 2 else rng.choice(_GIVEN)
    return rng.choice(_SURNAMES) + given


def seed_demo(
    session: Session,
    *,
    now: datetime,
    households_per_village: int = 20,
    signing_key_path: Path | None = None,
    kiosk_village: str = "heping",
    url: str = "",
    rng_seed: int = 20221208,
) -> SeedResult:
    """Fill an empty database with demo data; refuses one that already holds data."""
    if not database_is_empty(session):
        raise Refused("seed.not_empty", url=url)
    rng = random.Random(rng_seed)
    seed_reference(session, now)

    signer = CardSigner.generate()
    if signing_key_path is not None:
        signer.save(signing_key_path)
    meta_set(session, "card_public_key", signer.public_key_hex())
    meta_set(session, "demo", "1")  # `kiosk sync` refuses a demo database
    origin = f"K-{dict((v[0], v[2]) for v in VILLAGES)[kiosk_village]}-01"
    meta_set(session, "origin", origin)
    meta_set(session, "exchange_point_id", f"{kiosk_village}-shop")

    session.flush()
    operators = _seed_operators(session, rng)
    session.flush()
    household_count, entry_count = _seed_households(session, rng, now, households_per_village)
    _seed_stock(session, now, rng)
    session.flush()
    return SeedResult(
        villages=len(VILLAGES),
        households=household_count,
        entries=entry_count,
        operators=operators,
        signing_key_path=signing_key_path,
    )


def _seed_operators(session: Session, rng: random.Random) -> list[DemoOperator]:
    operators = [
        DemoOperator(
            "street-admin",
            fictional_name(rng),
            Role.STREET_ADMIN,
            None,
            DEMO_PINS[Role.STREET_ADMIN],
        )
    ]
    for slug, name, _prefix in VILLAGES:
        operators.append(
            DemoOperator(
                f"shop-{slug}",
                fictional_name(rng),
                Role.SHOPKEEPER,
                name,
                DEMO_PINS[Role.SHOPKEEPER],
            )
        )
        operators.append(
            DemoOperator(
                f"admin-{slug}",
                fictional_name(rng),
                Role.VILLAGE_ADMIN,
                name,
                DEMO_PINS[Role.VILLAGE_ADMIN],
            )
        )
    slugs = {name: slug for slug, name, _ in VILLAGES}
    # One hash per role: scrypt is deliberately slow and the demo PINs are shared anyway.
    hashes = {role: hash_pin(pin) for role, pin in DEMO_PINS.items()}
    for operator in operators:
        village_id = slugs.get(operator.village or "")
        session.add(
            Operator(
                id=operator.id,
                name=operator.name,
                role=operator.role,
                village_id=village_id,
                exchange_point_id=f"{village_id}-shop"
                if operator.role == Role.SHOPKEEPER
                else None,
                pin_hash=hashes[Role(operator.role)],
            )
        )
    return operators


# Demo history: (rule, quantity, probability per household per month).
_DEMO_DEEDS = (
    ("P09", 1, 0.6),
    ("P10", 1, 0.5),
    ("P10A", 1, 0.3),
    ("P11", 1, 0.5),
    ("P12", 1, 0.4),
    ("P08", 1, 0.2),
    ("P13.1", 45, 0.15),
    ("P13.2", 40, 0.1),
    ("P07", 1, 0.03),
    ("N03", 1, 0.05),
    ("N05", 1, 0.03),
)


def _seed_households(
    session: Session, rng: random.Random, now: datetime, per_village: int
) -> tuple[int, int]:
    from rules.loader import street_ruleset

    ruleset = street_ruleset()
    local_now = now.astimezone(SHANGHAI)
    households = 0
    entries = 0
    for slug, _name, prefix in VILLAGES:
        for number in range(1, per_village + 1):
            head = fictional_name(rng)
            absent = rng.random() < 0.05
            household = Household(
                id=derived_id("demo-household", slug, number),
                code=f"{prefix}{number:04d}",
                village_id=slug,
                group_name=f"{rng.randint(1, 8)}组",
                head_name=head,
                members=[head] + [fictional_name(rng) for _ in range(rng.randint(0, 4))],
                residency=Residency.RESIDENT if rng.random() < 0.1 else Residency.NATIVE,
                long_term_absent=absent,
                opted_in=absent and rng.random() < 0.5,
                created_at=as_utc(now - timedelta(days=400)),
            )
            session.add(household)
            session.flush()
            households += 1
            if not household.takes_part:
                continue
            # Deeds in each past month of this points year, on a working day, in daytime.
            for month in range(1, local_now.month + 1):
                for rule_id, quantity, chance in _DEMO_DEEDS:
                    if rng.random() >= chance:
                        continue
                    day = rng.randint(1, 28)
                    at = local_now.replace(month=month, day=day, hour=rng.randint(8, 17))
                    if at >= local_now:
                        continue
                    rule = ruleset.get(rule_id)
                    assert rule is not None
                    points = rule.points * (quantity // rule.per if rule.per else quantity)
                    append_entry(
                        session,
                        household_id=household.id,
                        points=points,
                        kind="award" if points >= 0 else "deduction",
                        at=at,
                        origin="demo-seed",
                        rule_id=rule_id,
                        rule_version=ruleset.key,
                        quantity=quantity,
                        remainder=(quantity % rule.per) or None if rule.per else None,
                        operator_id=f"admin-{slug}",
                    )
                    entries += 1
    return households, entries


def _seed_stock(session: Session, now: datetime, rng: random.Random) -> None:
    # Daily goods are on the shelf; appliances are mostly ordered on demand (电饭煲 none).
    for slug, _name, _prefix in VILLAGES:
        for item in load_items():
            if item.due_class == "appliance":
                quantity = 0 if item.name == "电饭煲" else rng.randint(0, 2)
            else:
                quantity = rng.randint(5, 30)
            if quantity == 0:
                continue
            session.add(
                StockMovement(
                    id=new_id(),
                    exchange_point_id=f"{slug}-shop",
                    item_no=item.no,
                    delta=quantity,
                    reason="restock",
                    created_at=as_utc(now - timedelta(days=3)),
                    origin="demo-seed",
                    origin_seq=next_origin_seq(session, "demo-seed"),
                )
            )
