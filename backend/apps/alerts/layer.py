"""The channel layer with Redis: channels-redis's, plus one message to several groups at once.

An alert goes to the socket groups of its unit and of every unit above it, three or four groups for a
county's case. channels-redis sends to one group at a time, each send two round trips to Redis when
the group is empty and four when it has sockets (trim and read the group; trim the channels, then
queue the message by a script). `group_send_many()` does the same for all the groups in two
commands per Redis host: one script trims and reads every group, another trims and fills every
channel. A socket that is in several of the groups gets the message once.

The stored entries are channels-redis's own: the group sets, the channel keys, the serialized
message with its `__asgi_channel__` list (built by the layer's `_map_channel_keys_to_connection`),
the capacity and the expiry. Consumers receive with the layer's `receive()` as before.
"""

import time
from collections import defaultdict

from channels_redis.core import RedisChannelLayer

# KEYS: group keys. ARGV[1]: members joined before this time have expired.
# Returns the members of each group, in the order of KEYS.
READ_GROUPS = """
local members = {}
for i, key in ipairs(KEYS) do
  redis.call('ZREMRANGEBYSCORE', key, 0, ARGV[1])
  members[i] = redis.call('ZRANGE', key, 0, -1)
end
return members
"""

# KEYS: channel keys. ARGV: a message per key, then a capacity per key, then the time and the expiry
# in seconds. Messages past the expiry are dropped first; a channel at its capacity gets nothing.
# Returns how many channels were full.
FILL_CHANNELS = """
local n = #KEYS
local now = ARGV[2 * n + 1]
local expiry = tonumber(ARGV[2 * n + 2])
local full = 0
for i, key in ipairs(KEYS) do
  redis.call('ZREMRANGEBYSCORE', key, 0, math.floor(tonumber(now)) - expiry)
  if redis.call('ZCARD', key) < tonumber(ARGV[n + i]) then
    redis.call('ZADD', key, now, ARGV[i])
    redis.call('EXPIRE', key, expiry)
  else
    full = full + 1
  end
end
return full
"""


class AlertChannelLayer(RedisChannelLayer):
    async def group_send_many(self, groups: list[str], message: dict) -> int:
        """Send `message` to every channel of the `groups`, once per channel. Returns how many channels
        were at their capacity and did not get it."""
        keys_by_host: dict[int, list[bytes]] = defaultdict(list)
        for group in groups:
            assert self.require_valid_group_name(group), "Group name not valid"
            keys_by_host[self.consistent_hash(group)].append(self._group_key(group))
        joined_after = int(time.time()) - self.group_expiry
        channels: dict[str, None] = {}  # in the order found, each once
        for host, keys in keys_by_host.items():
            found = await self.connection(host).eval(READ_GROUPS, len(keys), *keys, joined_after)
            for members in found:
                channels.update(dict.fromkeys(member.decode("utf8") for member in members))
        if not channels:
            return 0
        keys_by_host, messages, capacities = self._map_channel_keys_to_connection(list(channels), message)
        full = 0
        for host, keys in keys_by_host.items():
            args = [*(messages[key] for key in keys), *(capacities[key] for key in keys), time.time(), int(self.expiry)]
            full += await self.connection(host).eval(FILL_CHANNELS, len(keys), *keys, *args)
        return full
