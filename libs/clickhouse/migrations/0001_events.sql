-- The events callwatch consumes, one table per input topic, column names as in the Avro schemas (docs/design.md,
-- "Input events"). Times are DateTime64(3, 'UTC'). Every table keeps where a row came from (src_topic,
-- src_partition, src_offset): the recorder's batches are Kafka ranges, and an audit can name the message.
-- Partitioned by month; TTL is each table's default retention (the recorder sets the configured one at start).

CREATE TABLE IF NOT EXISTS cdrs
(
    cdr_id String,
    switch_id LowCardinality(String),
    customer_id String,
    carrier_id Nullable(String),
    call_id Nullable(String),
    start_ms DateTime64(3, 'UTC'),
    answer_ms Nullable(DateTime64(3, 'UTC')),
    end_ms DateTime64(3, 'UTC'),
    sip_code UInt16,
    pdd_ms Nullable(UInt32),
    caller Nullable(String),
    callee String,
    destination Nullable(String),
    charge Float64,
    cost Nullable(Float64),
    currency LowCardinality(String),
    src_topic LowCardinality(String),
    src_partition UInt32,
    src_offset UInt64
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(end_ms)
ORDER BY (customer_id, end_ms, cdr_id)
TTL toDateTime(end_ms) + toIntervalDay(90)
SETTINGS non_replicated_deduplication_window = 1000;

CREATE TABLE IF NOT EXISTS call_starts
(
    call_id String,
    customer_id String,
    carrier_id Nullable(String),
    start_ms DateTime64(3, 'UTC'),
    src_topic LowCardinality(String),
    src_partition UInt32,
    src_offset UInt64
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(start_ms)
ORDER BY (customer_id, start_ms, call_id)
TTL toDateTime(start_ms) + toIntervalDay(90)
SETTINGS non_replicated_deduplication_window = 1000;

CREATE TABLE IF NOT EXISTS payments
(
    payment_id String,
    customer_id String,
    amount Float64,
    status LowCardinality(String),
    source LowCardinality(String),
    at_ms DateTime64(3, 'UTC'),
    src_topic LowCardinality(String),
    src_partition UInt32,
    src_offset UInt64
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(at_ms)
ORDER BY (customer_id, at_ms, payment_id)
TTL toDateTime(at_ms) + toIntervalDay(730)
SETTINGS non_replicated_deduplication_window = 1000;

CREATE TABLE IF NOT EXISTS accounts
(
    entity String,
    name String,
    class Nullable(String),
    status LowCardinality(String),
    balance Float64,
    debit_limit Nullable(Float64),
    currency LowCardinality(String),
    emails Array(String),
    phones Array(String),
    timezone Nullable(String),
    locale Nullable(String),
    at_ms DateTime64(3, 'UTC'),
    src_topic LowCardinality(String),
    src_partition UInt32,
    src_offset UInt64
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(at_ms)
ORDER BY (entity, at_ms)
TTL toDateTime(at_ms) + toIntervalDay(730)
SETTINGS non_replicated_deduplication_window = 1000;
