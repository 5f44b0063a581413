"""Money and energy as people read them, in the language of the page, the PDF or the message
(Django's l10n): ``EUR 1,234.56`` and ``189.25 kWh`` in English, ``1 234,56 EUR`` and
``189,25 kWh`` in French. The number and its unit are joined by a no-break space and French
groups digits with one, so an amount never wraps. The one formatter of amounts shown to people;
the API gives cents and joules, the CLI its own plain figures."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

NBSP = "\u00a0"
JOULES_PER_KWH = 3_600_000


def money_text(cents: int) -> str:
    """``123456`` -> ``EUR 1,234.56`` (English), ``1 234,56 EUR`` (French); sign kept."""
    return euros_text(Decimal(int(cents)).scaleb(-2), places=2)


def euros_text(euros: Decimal | int, *, places: int = 0) -> str:
    """An amount in euros with ``places`` decimals: ``150000`` -> ``EUR 150,000`` (English),
    ``150 000 EUR`` (French)."""
    amount = number_format(Decimal(euros), decimal_pos=places, use_l10n=True,
                           force_grouping=True)
    # Translators: an amount of money: the currency code before or after the figure
    text = pgettext("money", "EUR %(amount)s") % {"amount": amount}
    return text.replace(" ", NBSP)  # never wrapped between the figure and the code


def energy_text(joules: int | None) -> str:
    """Joules as kWh, to the watt-hour, without trailing zeros (``189 kWh``, ``0,125 kWh``);
    ``None`` is "not reported", never 0."""
    if joules is None:
        return _("not reported")
    kwh = (Decimal(int(joules)) / JOULES_PER_KWH).quantize(Decimal("0.001"), ROUND_HALF_UP)
    places = next(p for p in (0, 1, 2, 3) if kwh == kwh.quantize(Decimal(1).scaleb(-p)))
    return number_format(kwh, decimal_pos=places, use_l10n=True, force_grouping=True) + NBSP + "kWh"
