--[=[
  Replaces the aggregators' epoch marker KEYS[1] with ARGV[2] if it still holds ARGV[1] (the epoch the caller found
  incomplete: a Redis Cluster node lost its copy), and returns the marker as it is then: the caller's new epoch, or
  the one another aggregator put there first.
]=]
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('SET', KEYS[1], ARGV[2]) end
return redis.call('GET', KEYS[1])
