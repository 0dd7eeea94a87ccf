-- The recorder's write-ahead record: before it inserts a batch (one Kafka partition's offsets first..last into one
-- table) it records the range and the insert's deduplication token here. After a crash, a batch that starts inside
-- a recorded range is cut back to exactly that range and inserted again with the same token: ClickHouse drops it if
-- the first insert landed (and completes the rollups if only the raw rows did), so nothing is counted twice.
-- Offsets before a partition's recorded range were recorded for sure: a consumer-group rewind skips them.
-- Ranges only move forward, so the newest row of a partition is the one with the highest last_offset.
CREATE TABLE IF NOT EXISTS recorder_batches
(
    topic String,
    partition UInt32,
    first_offset UInt64,
    last_offset UInt64,
    token String,
    rows UInt32,
    written_at DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree(last_offset)
ORDER BY (topic, partition);
