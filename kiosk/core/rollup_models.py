"""The overview's figures kept by database triggers as records arrive (migration 0015).

Nothing in the application writes these tables: triggers on the record tables do, in the
writer's transaction, on the kiosk's SQLite and the central's PostgreSQL. They are derived
state, not records: `kiosk.core.rollups` recomputes them from the records and `kiosk check`
reports any difference. A row whose counts are all zero means the same as no row.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel


class VillageMonthFlow(SQLModel, table=True):
    """Points awarded, deducted and redeemed in a village in a Chongqing month; a reversal
    counts in the month and flow of the entry it reverses."""

    __tablename__ = "rollup_village_month"
    village_id: str = Field(primary_key=True)
    month: str = Field(primary_key=True)  # "2026-10"
    awarded: int
    deducted: int
    redeemed: int


class HouseholdQuarterAwards(SQLModel, table=True):
    """A household's positive awards in a quarter less the corrections of them: it earned
    in the quarter when this is above zero."""

    __tablename__ = "rollup_household_quarter"
    household_id: str = Field(primary_key=True)
    quarter: str = Field(primary_key=True)  # Quarter.key, "2026Q4"
    awards: int


class VillageQuarterEarning(SQLModel, table=True):
    """Households of the village taking part now that earned in the quarter."""

    __tablename__ = "rollup_village_quarter"
    village_id: str = Field(primary_key=True)
    quarter: str = Field(primary_key=True)
    earning: int


class VillageTakingPart(SQLModel, table=True):
    """Households of the village taking part now (`Household.takes_part`)."""

    __tablename__ = "rollup_village"
    village_id: str = Field(primary_key=True)
    taking_part: int


class OpenLine(SQLModel, table=True):
    """An order line neither handed over nor cancelled."""

    __tablename__ = "rollup_open_line"
    line_id: str = Field(primary_key=True)
    exchange_point_id: str = Field(index=True)
    item_no: int
    qty: int
    due_at: datetime


class PointQuarterPunctuality(SQLModel, table=True):
    """Lines of an exchange point due in a quarter, not cancelled, handed over by their due
    time (`on_time`) or after it (`late`)."""

    __tablename__ = "rollup_point_quarter"
    exchange_point_id: str = Field(primary_key=True)
    quarter: str = Field(primary_key=True)
    on_time: int
    late: int


class StockOnHand(SQLModel, table=True):
    """The sum of an item's stock movements at an exchange point."""

    __tablename__ = "rollup_stock"
    exchange_point_id: str = Field(primary_key=True)
    item_no: int = Field(primary_key=True)
    on_hand: int


class OpenDeclaration(SQLModel, table=True):
    """A declaration with no decision yet."""

    __tablename__ = "rollup_open_declaration"
    declaration_id: str = Field(primary_key=True)
    household_id: str
    created_at: datetime


class OpenDispute(SQLModel, table=True):
    """A dispute with no resolution yet."""

    __tablename__ = "rollup_open_dispute"
    dispute_id: str = Field(primary_key=True)
    household_id: str
    created_at: datetime
