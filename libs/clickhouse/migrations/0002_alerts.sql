-- What callwatch did: alert transitions, penalty actions, every delivery attempt, and the audit trail of
-- configuration (rules, templates, classes, silences) with the whole applied document.

CREATE TABLE IF NOT EXISTS alerts
(
    event_id String,
    type LowCardinality(String),
    rule_id String,
    rule_title String,
    entity String,
    area LowCardinality(String),
    value Nullable(Float64),
    threshold Nullable(Float64),
    reset_threshold Nullable(Float64),
    operator Nullable(String),
    level LowCardinality(String),
    sample_period_ms Nullable(Int64),
    at_ms DateTime64(3, 'UTC'),
    first_fired_at_ms DateTime64(3, 'UTC'),
    test Bool,
    src_topic LowCardinality(String),
    src_partition UInt32,
    src_offset UInt64
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(at_ms)
ORDER BY (entity, rule_id, at_ms, event_id)
TTL toDateTime(at_ms) + toIntervalDay(730)
SETTINGS non_replicated_deduplication_window = 1000;

CREATE TABLE IF NOT EXISTS actions
(
    action_id String,
    type LowCardinality(String),
    entity String,
    until_ms Nullable(DateTime64(3, 'UTC')),
    rule_id String,
    reason String,
    at_ms DateTime64(3, 'UTC'),
    src_topic LowCardinality(String),
    src_partition UInt32,
    src_offset UInt64
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(at_ms)
ORDER BY (entity, at_ms, action_id)
TTL toDateTime(at_ms) + toIntervalDay(730)
SETTINGS non_replicated_deduplication_window = 1000;

CREATE TABLE IF NOT EXISTS notifications
(
    notification_id String,
    alert_event_id String,
    rule_id String,
    entity String,
    channel LowCardinality(String),
    recipient String,
    status LowCardinality(String),
    attempt UInt32,
    error Nullable(String),
    message_id Nullable(String),
    group_key Nullable(String),
    at_ms DateTime64(3, 'UTC'),
    src_topic LowCardinality(String),
    src_partition UInt32,
    src_offset UInt64
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(at_ms)
ORDER BY (entity, rule_id, at_ms, notification_id)
TTL toDateTime(at_ms) + toIntervalDay(730)
SETTINGS non_replicated_deduplication_window = 1000;

-- kind: rule | template | class | silence; change: apply | delete. `body` is the applied document as JSON
-- (empty for a delete), so the trail shows field-level diffs between consecutive versions of one id.
CREATE TABLE IF NOT EXISTS config_changes
(
    kind LowCardinality(String),
    id String,
    change LowCardinality(String),
    applied_by String,
    at_ms DateTime64(3, 'UTC'),
    body String,
    src_topic LowCardinality(String),
    src_partition UInt32,
    src_offset UInt64
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(at_ms)
ORDER BY (kind, id, at_ms, src_offset)
TTL toDateTime(at_ms) + toIntervalDay(1825)
SETTINGS non_replicated_deduplication_window = 1000;
