"""Phone lists that are read from the live tables, so the guide never shows a stale number."""

from django.utils.html import escape

from apps.insurers.models import InsuranceCompany

INSURER_CONTACTS = "insurer_contacts"
BRIGADE_CONTACTS = "brigade_contacts"
LIVE_CATEGORIES = (INSURER_CONTACTS, BRIGADE_CONTACTS)


def insurer_contacts() -> list[dict]:
    return [
        {"name": c.name, "full_name": c.full_name, "phone": c.hotline}
        for c in InsuranceCompany.objects.filter(is_active=True).exclude(hotline="").order_by("order", "code")
    ]


def brigade_contacts() -> list[dict]:
    from apps.units.api.views import public_contacts

    return [{"name": r["name"], "phone": r["phone"], "address": r["address"], "kind": r["kind"]}
            for r in public_contacts() if r["phone"]]


def contacts_for(category_code: str) -> list[dict] | None:
    if category_code == INSURER_CONTACTS:
        return insurer_contacts()
    if category_code == BRIGADE_CONTACTS:
        return brigade_contacts()
    return None


def _tel(phone: str) -> str:
    digits = "".join(ch for ch in phone if ch.isdigit() or ch == "+")
    return f'<a href="tel:{escape(digits)}">{escape(phone)}</a>' if digits else escape(phone)


def contacts_table(rows: list[dict]) -> str:
    """A table built from escaped values only; appended after the (sanitised) article text."""
    if not rows:
        return "<p>暂无联系电话。</p>"
    body = "".join(
        f"<tr><td>{escape(r['name'])}</td><td>{_tel(r['phone'])}</td></tr>" for r in rows
    )
    return f'<table class="guide-contacts"><thead><tr><th>名称</th><th>电话</th></tr></thead><tbody>{body}</tbody></table>'
