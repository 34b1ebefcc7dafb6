"""Fictional receipts and slips shared by the printing tests."""

from __future__ import annotations

from datetime import UTC, datetime

from kiosk.core.receipt import HandoverSlip, Receipt, ReceiptLine

PRINTED_AT = datetime(2026, 11, 29, 6, 5, tzinfo=UTC)  # 14:05 in Chongqing
DUE_AT = datetime(2026, 12, 3, 15, 59, tzinfo=UTC)  # 23:59 on 3 December in Chongqing
QR_PAYLOAD = "JFO1:K-HP1-000123"


def sample_receipt(*, reprint: bool = False) -> Receipt:
    """A receipt with Chinese, ¥ and ￥, Chinese punctuation and ASCII codes."""
    return Receipt(
        exchange_point="棠香街道和平村兑换点（村委会一楼）",
        printed_at=PRINTED_AT,
        operator="李店员",
        number="K-HP1-000123",
        household_code="HP0001",
        masked_name="张*华",
        lines=(
            ReceiptLine(1, "洗衣液（500ml，市价￥12.5）", 2, 40, None, True),
            ReceiptLine(2, "东北大米 5kg 装，约合¥35：限本村农户兑换", 1, 200, DUE_AT, False),
            ReceiptLine(3, "Toothpaste", 3, 30, DUE_AT, False),
        ),
        total=270,
        balance_before=500,
        balance_after=230,
        qr_payload=QR_PAYLOAD,
        reprint=reprint,
    )


def sample_slip() -> HandoverSlip:
    return HandoverSlip(
        exchange_point="棠香街道和平村兑换点",
        printed_at=datetime(2026, 12, 4, 2, 30, tzinfo=UTC),
        operator="李店员",
        order_number="K-HP1-000123",
        household_code="HP0001",
        masked_name="张*华",
        lines=(
            ReceiptLine(2, "东北大米 5kg 装，约合¥35：限本村农户兑换", 1, 200, DUE_AT, True),
            ReceiptLine(3, "Toothpaste", 3, 30, DUE_AT, True),
        ),
        late_lines=2,
        qr_payload=QR_PAYLOAD,
    )
