"""Small helpers that shape figures and people for answers (API, pages, exports).

Money and percentages are Decimal; rounding is half up, the way people round.
"""

from decimal import ROUND_HALF_UP, Decimal


def rounded(value, places: int = 1) -> Decimal | None:
    """``value`` as a Decimal with ``places`` decimals; None stays None."""
    if value is None:
        return None
    return Decimal(value).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def percent(part, whole) -> Decimal:
    """``part`` of ``whole`` in percent, one decimal; nothing of nothing is 0.0%."""
    if not whole:
        return Decimal("0.0")
    return rounded(Decimal(part) * 100 / Decimal(whole))


def person(user) -> dict | None:
    """A person as answers name them: id, name and email (None for nobody)."""
    if user is None:
        return None
    return {"id": user.pk, "full_name": user.full_name, "email": user.email}
