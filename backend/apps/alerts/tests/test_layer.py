"""`AlertChannelLayer.group_send_many()` against the real Redis (REDIS_URL; CI runs the suite with it).

Receivers use channels-redis's own `receive()`, so what the two scripts store must be what the layer
reads back: the serialized message, once per channel, in its channel key, within capacity and expiry.
"""

import asyncio
import os
import time
import uuid

import pytest

from apps.alerts.layer import AlertChannelLayer

pytestmark = pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs Redis (REDIS_URL)")


@pytest.fixture
async def layer():
    found = AlertChannelLayer(hosts=[os.environ["REDIS_URL"]], prefix=f"test-{uuid.uuid4().hex[:8]}",
                              capacity=100, expiry=30)
    yield found
    connection = found.connection(0)
    keys = [key async for key in connection.scan_iter(match=f"{found.prefix}*")]
    if keys:
        await connection.delete(*keys)
    await found.flush()


async def nothing_more(layer, channel: str) -> bool:
    try:
        await asyncio.wait_for(layer.receive(channel), timeout=0.3)
    except TimeoutError:
        return True
    return False


async def test_every_channel_of_the_groups_gets_the_message_once(layer):
    county, city, province, other = "unit-2", "unit-1", "unit-0", "unit-9"
    officer = await layer.new_channel()
    leader = await layer.new_channel()
    both = await layer.new_channel()  # in two of the groups: one message, not two
    elsewhere = await layer.new_channel()
    await layer.group_add(county, officer)
    await layer.group_add(city, leader)
    await layer.group_add(county, both)
    await layer.group_add(province, both)
    await layer.group_add(other, elsewhere)
    message = {"type": "alert.message", "message": {"id": 7, "kind": "case.new", "title": "新报案"}}

    assert await layer.group_send_many([county, city, province], message) == 0

    for channel in (officer, leader, both):
        assert await asyncio.wait_for(layer.receive(channel), timeout=2) == message
    assert await nothing_more(layer, both)
    assert await nothing_more(layer, elsewhere)


async def test_same_message_as_group_send(layer):
    channel = await layer.new_channel()
    await layer.group_add("unit-3", channel)
    message = {"type": "alert.messages", "messages": [{"id": 1}, {"id": 2, "title": "疑似欺诈"}]}
    await layer.group_send("unit-3", message)
    await layer.group_send_many(["unit-3"], message)
    first = await asyncio.wait_for(layer.receive(channel), timeout=2)
    second = await asyncio.wait_for(layer.receive(channel), timeout=2)
    assert first == second == message


async def test_no_group_with_members_sends_nothing(layer):
    assert await layer.group_send_many(["unit-4", "unit-5"], {"type": "alert.message", "message": {}}) == 0
    connection = layer.connection(0)
    assert [key async for key in connection.scan_iter(match=f"{layer.prefix}*")] == []


async def test_a_full_channel_is_counted_and_not_overfilled(layer):
    small = AlertChannelLayer(hosts=[os.environ["REDIS_URL"]], prefix=layer.prefix, capacity=1, expiry=30)
    # Plain channel names, each its own key (a process's "specific.…!" channels share one key).
    full, free = "socket.full", "socket.free"
    await small.group_add("unit-6", full)
    await small.group_add("unit-6", free)
    await small.send(full, {"type": "alert.message", "message": {"id": 1}})

    assert await small.group_send_many(["unit-6"], {"type": "alert.message", "message": {"id": 2}}) == 1

    assert (await asyncio.wait_for(small.receive(full), timeout=2))["message"] == {"id": 1}
    assert await nothing_more(small, full)
    assert (await asyncio.wait_for(small.receive(free), timeout=2))["message"] == {"id": 2}
    await small.flush()


async def test_members_past_the_group_expiry_are_dropped(layer):
    gone = await layer.new_channel()
    here = await layer.new_channel()
    await layer.group_add("unit-8", here)
    key = layer._group_key("unit-8")
    await layer.connection(0).zadd(key, {gone: int(time.time()) - layer.group_expiry - 10})

    await layer.group_send_many(["unit-8"], {"type": "alert.message", "message": {"id": 3}})

    members = await layer.connection(0).zrange(key, 0, -1)
    assert [m.decode() for m in members] == [here]
    assert (await asyncio.wait_for(layer.receive(here), timeout=2))["message"] == {"id": 3}
    assert await nothing_more(layer, gone)
