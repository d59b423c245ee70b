import pytest
from apps.wechat.client import ConfiguredClient

def test_probe(fake_wechat):
    fake_wechat.inject_error("/cgi-bin/ticket/getticket", 40001, times=100000)
    c = ConfiguredClient()
    try:
        c.jsapi.get_jsapi_ticket()
    except BaseException as e:
        print("EXC", type(e).__mro__)
    print("CALLS", dict(fake_wechat.calls))
