from decimal import Decimal

from django import template

register = template.Library()


@register.filter
def metric_value(value, metric) -> str:
    """87.5 → '87.5%' (percent), '72' (score or count), 'EUR 1,200.00' (currency)."""
    if value is None or value == "":
        return "—"
    number = Decimal(value).normalize()
    unit = metric["unit"] if isinstance(metric, dict) else metric
    if unit == "currency":
        currency = metric.get("currency", "") if isinstance(metric, dict) else ""
        return f"{currency} {Decimal(value):,.2f}".strip()
    text = f"{number:f}"
    return f"{text}%" if unit == "percent" else text


@register.filter
def signed(value) -> str:
    """+3.5, minus 2, 0: changes read better with their sign."""
    if value is None or value == "":
        return "—"
    number = Decimal(value).normalize()
    if number > 0:
        return f"+{number:f}"
    if number < 0:
        return f"\u2212{-number:f}"
    return "0"
