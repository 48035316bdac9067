"""ISO 4217 currency codes and the number of digits of their minor unit.

A leaf module (it imports only the errors). The table holds the active codes of
ISO 4217 as published in its list one; money outside it is refused rather than
guessed at, because a wrong minor unit would pay people wrongly.
"""

from __future__ import annotations

from decimal import Decimal

from ledger.domain.errors import InvalidAmountError

__all__ = ["format_minor", "minor_unit_digits"]

_ZERO = "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF"
_THREE = "BHD IQD JOD KWD LYD OMR TND"
_FOUR = "CLF UYW"
_TWO = (
    "AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BOV BRL BSD BTN "
    "BWP BYN BZD CAD CDF CHE CHF CHW CNY COP COU CRC CUC CUP CVE CZK DKK DOP DZD EGP ERN "
    "ETB EUR FJD FKP GBP GEL GHS GIP GMD GTQ GYD HKD HNL HTG HUF IDR ILS INR IRR JMD KES "
    "KGS KHR KPW KYD KZT LAK LBP LKR LRD LSL MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK "
    "MXN MXV MYR MZN NAD NGN NIO NOK NPR NZD PAB PEN PGK PHP PKR PLN QAR RON RSD RUB SAR "
    "SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TOP TRY TTD TWD "
    "TZS UAH USD USN UYU UZS VED VES WST XCD XCG YER ZAR ZMW ZWG"
)

_DIGITS: dict[str, int] = {
    **dict.fromkeys(_TWO.split(), 2),
    **dict.fromkeys(_ZERO.split(), 0),
    **dict.fromkeys(_THREE.split(), 3),
    **dict.fromkeys(_FOUR.split(), 4),
}


def minor_unit_digits(currency: str) -> int:
    """Return how many decimals ``currency`` has (2 for USD, 0 for JPY, 3 for KWD).

    >>> minor_unit_digits("JPY")
    0
    """
    try:
        return _DIGITS[currency]
    except KeyError:
        raise InvalidAmountError(
            f"currency {currency!r} is not an ISO 4217 code such as USD or EUR"
        ) from None


def format_minor(minor_units: int, currency: str) -> str:
    """Minor units as a decimal string in major units, to the currency's minor unit.

    >>> format_minor(123456, "USD"), format_minor(1234, "JPY"), format_minor(5, "KWD")
    ('1234.56', '1234', '0.005')
    """
    digits = minor_unit_digits(currency)
    return f"{Decimal(minor_units).scaleb(-digits):.{digits}f}"
