"""Tax rates per region."""

from decimal import Decimal

RATES = {"eu": Decimal("0.20"), "us": Decimal("0.07"), "uk": Decimal("0.20")}


def rate(region: str) -> Decimal:
    return RATES.get(region, Decimal("0"))


def tax_on(amount: Decimal, region: str) -> Decimal:
    return (amount * rate(region)).quantize(Decimal("0.01"))
