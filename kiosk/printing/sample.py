"""A fictional receipt for printer test pages: every kind of character a real receipt holds."""

from __future__ import annotations

from datetime import datetime, timedelta

from kiosk.core.receipt import Receipt, ReceiptLine


def sample_receipt(now: datetime) -> Receipt:
    """A test page shaped like a receipt, marked so that nobody takes it for one."""
    return Receipt(
        exchange_point="【打印测试，非兑换凭条】",
        printed_at=now,
        operator="测试员",
        number="TEST-000001",
        household_code="HP0000",
        masked_name="测*户",
        lines=(
            ReceiptLine(1, "洗衣液（500ml，市价￥12.5）", 2, 40, None, True),
            ReceiptLine(2, "大米 5kg：约合¥35", 1, 200, now + timedelta(days=4), False),
        ),
        total=240,
        balance_before=500,
        balance_after=260,
        qr_payload="JF-PRINTER-TEST",
    )
