"""Garbage-collector settings for a long-running server process.

Once Django, DRF, the URL configuration and the schema generator are loaded, a server process
holds some 180,000 long-lived objects. CPython collects its oldest generation when enough new
objects have survived, and each such collection walks all of them: 50-120 ms on the 2-core
benchmark machine, landing on whichever request happened to be running (the case list's p99 was
three to eight times its p50). After start-up the loaded objects are moved out of the collector's
view (`gc.freeze`); request garbage is still collected as before, reference cycles included.
(Raising the youngest generation's threshold as well was tried: it made p90 worse.)

`GC_TUNING=0` leaves the collector as it is.
"""

import gc
import os


def settle() -> None:
    if os.environ.get("GC_TUNING", "1") == "0":
        return
    from django.urls import get_resolver

    # Import every view module now rather than during the first request, so they are frozen too.
    get_resolver().url_patterns  # noqa: B018
    gc.collect()
    gc.freeze()
