"""Chinese plate numbers: normalisation (for matching) and validation (for input)."""

import re
import unicodedata

PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
_LETTER = "A-HJ-NP-Z"  # I and O are never used on plates
_ALNUM = "A-HJ-NP-Z0-9"
_SEPARATORS = re.compile(r"[\s\.\-·•・_]+")

_PATTERNS = [
    # ordinary: 桂L12345, 桂LA2B45
    re.compile(rf"^[{PROVINCES}][{_LETTER}][{_ALNUM}]{{5}}$"),
    # coach, trailer, police, Hong Kong/Macau: 桂L1234学
    re.compile(rf"^[{PROVINCES}][{_LETTER}][{_ALNUM}]{{4}}[学挂警港澳领试超]$"),
    # new energy, small (D/F then 5) and large (5 digits then D/F): 桂LD12345, 桂L12345D
    re.compile(rf"^[{PROVINCES}][{_LETTER}][DF][{_ALNUM}]\d{{4}}$"),
    re.compile(rf"^[{PROVINCES}][{_LETTER}]\d{{5}}[DF]$"),
]


def normalize_plate(value: str) -> str:
    """Upper case, full-width to half-width, separators removed; the province character is kept."""
    text = unicodedata.normalize("NFKC", value or "")
    return _SEPARATORS.sub("", text).upper()


def is_valid_plate(value: str) -> bool:
    plate = normalize_plate(value)
    return any(p.match(plate) for p in _PATTERNS)


PHONE = re.compile(r"^1[3-9]\d{9}$")
LANDLINE = re.compile(r"^0\d{2,3}-?\d{7,8}$")


def normalize_phone(value: str) -> str:
    return _SEPARATORS.sub("", unicodedata.normalize("NFKC", value or "")).removeprefix("+86")


def is_valid_phone(value: str) -> bool:
    phone = normalize_phone(value)
    return bool(PHONE.match(phone) or LANDLINE.match(phone))


def mask_phone(value: str) -> str:
    phone = normalize_phone(value)
    if len(phone) >= 7:
        return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]
    return "*" * len(phone)


def mask_name(value: str) -> str:
    if not value:
        return ""
    return value[0] + "*" * max(1, len(value) - 1)
