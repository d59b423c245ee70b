"""The insurance companies, held in each process for the owner's draft and submission.

Every draft names one or two companies and every submission shows them back; the table is a short
list an administrator changes a few times a year. Each process reads it at most every
`REFRESH_SECONDS` and at once after a change saved in that process (model signals), so a change
made elsewhere reaches every process within that time.
"""

import threading
import time

from django.db.models.signals import post_delete, post_save

from .models import InsuranceCompany

REFRESH_SECONDS = 10.0


class Directory:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._loaded_at: float | None = None
        self._by_id: dict[int, InsuranceCompany] = {}
        self._active_by_code: dict[str, InsuranceCompany] = {}

    def _current(self) -> None:
        if self._loaded_at is not None and time.monotonic() - self._loaded_at < REFRESH_SECONDS:
            return
        with self._lock:
            if self._loaded_at is not None and time.monotonic() - self._loaded_at < REFRESH_SECONDS:
                return
            self._load()

    def refresh(self) -> None:
        """Read the table now."""
        with self._lock:
            self._load()

    def _load(self) -> None:
        companies = list(InsuranceCompany.objects.all())
        self._by_id = {c.pk: c for c in companies}
        self._active_by_code = {c.code: c for c in companies if c.is_active}
        self._loaded_at = time.monotonic()

    def fresh(self, margin: float = 1.0) -> bool:
        """Whether the next `margin` seconds of lookups are served from memory without a reload."""
        return self._loaded_at is not None and time.monotonic() + margin - self._loaded_at < REFRESH_SECONDS

    def cached(self, pk: int) -> InsuranceCompany | None:
        """A company from memory only: None when it is not loaded (created since the last read)."""
        return self._by_id.get(pk)

    def active(self, code: str) -> InsuranceCompany | None:
        """The active company with this code, or None."""
        self._current()
        return self._active_by_code.get(code)

    def get(self, pk: int) -> InsuranceCompany | None:
        """Any company by id, active or not (a party keeps the company it named)."""
        self._current()
        company = self._by_id.get(pk)
        if company is None:  # created in another process since the last read
            company = InsuranceCompany.objects.filter(pk=pk).first()
        return company

    def invalidate(self, **_kwargs) -> None:
        self._loaded_at = None


companies = Directory()
post_save.connect(companies.invalidate, sender=InsuranceCompany, dispatch_uid="insurer-directory-save")
post_delete.connect(companies.invalidate, sender=InsuranceCompany, dispatch_uid="insurer-directory-delete")
