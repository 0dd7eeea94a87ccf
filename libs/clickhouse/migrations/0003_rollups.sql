-- Rollups of CDRs per entity (a CDR counts for its customer and for its carrier), kept by materialized views as
-- the CDRs are inserted, so stats over months read these and never the raw CDRs. The columns are the window
-- counters of the aggregator (libs/windows counters.ts), summed per hour and per day by a CDR's end time;
-- `callwatch stats` derives ASR, NER, ACD, PDD, SDR, spend and margin from them with the aggregator's own code.
-- A replayed batch carries the insert's deduplication token into these views, so rollups never count twice.

CREATE TABLE IF NOT EXISTS cdr_hourly
(
    entity String,
    hour DateTime('UTC'),
    attempts SimpleAggregateFunction(sum, UInt64),
    answered SimpleAggregateFunction(sum, UInt64),
    ner_calls SimpleAggregateFunction(sum, UInt64),
    ner_attempts SimpleAggregateFunction(sum, UInt64),
    billed_ms SimpleAggregateFunction(sum, UInt64),
    pdd_sum_ms SimpleAggregateFunction(sum, UInt64),
    pdd_calls SimpleAggregateFunction(sum, UInt64),
    short_calls SimpleAggregateFunction(sum, UInt64),
    spend SimpleAggregateFunction(sum, Float64),
    margin SimpleAggregateFunction(sum, Float64),
    codes SimpleAggregateFunction(sumMap, Map(UInt16, UInt64))
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(hour)
ORDER BY (entity, hour)
TTL hour + toIntervalDay(730)
SETTINGS non_replicated_deduplication_window = 1000;

CREATE TABLE IF NOT EXISTS cdr_daily
(
    entity String,
    day Date,
    attempts SimpleAggregateFunction(sum, UInt64),
    answered SimpleAggregateFunction(sum, UInt64),
    ner_calls SimpleAggregateFunction(sum, UInt64),
    ner_attempts SimpleAggregateFunction(sum, UInt64),
    billed_ms SimpleAggregateFunction(sum, UInt64),
    pdd_sum_ms SimpleAggregateFunction(sum, UInt64),
    pdd_calls SimpleAggregateFunction(sum, UInt64),
    short_calls SimpleAggregateFunction(sum, UInt64),
    spend SimpleAggregateFunction(sum, Float64),
    margin SimpleAggregateFunction(sum, Float64),
    codes SimpleAggregateFunction(sumMap, Map(UInt16, UInt64))
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(day)
ORDER BY (entity, day)
TTL day + toIntervalDay(1825)
SETTINGS non_replicated_deduplication_window = 1000;

-- Per second: calls started (peak CPS is the busiest second) and the change in concurrent calls (+1 at a call's
-- start second, −1 at its end second; peak channels is the highest running sum).
CREATE TABLE IF NOT EXISTS cdr_seconds
(
    entity String,
    second DateTime('UTC'),
    starts SimpleAggregateFunction(sum, UInt64),
    channel_delta SimpleAggregateFunction(sum, Int64)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(second)
ORDER BY (entity, second)
TTL second + toIntervalDay(730)
SETTINGS non_replicated_deduplication_window = 1000;

CREATE MATERIALIZED VIEW IF NOT EXISTS cdr_hourly_mv TO cdr_hourly AS
SELECT
    entity,
    toStartOfHour(end_ms) AS hour,
    count() AS attempts,
    countIf(answer_ms IS NOT NULL) AS answered,
    countIf(sip_code IN (200, 480, 486, 600, 603)) AS ner_calls,
    countIf(sip_code < 300 OR sip_code >= 400) AS ner_attempts,
    toUInt64(sumIf(toUnixTimestamp64Milli(end_ms) - toUnixTimestamp64Milli(assumeNotNull(answer_ms)), answer_ms IS NOT NULL)) AS billed_ms,
    toUInt64(sumIf(assumeNotNull(pdd_ms), pdd_ms IS NOT NULL)) AS pdd_sum_ms,
    countIf(pdd_ms IS NOT NULL) AS pdd_calls,
    countIf(answer_ms IS NOT NULL AND toUnixTimestamp64Milli(end_ms) - toUnixTimestamp64Milli(assumeNotNull(answer_ms)) < 6000) AS short_calls,
    sum(charge) AS spend,
    sumIf(charge - assumeNotNull(cost), cost IS NOT NULL) AS margin,
    sumMap(map(sip_code, toUInt64(1))) AS codes
FROM cdrs
ARRAY JOIN arrayFilter(e -> e != '', [concat('customer:', customer_id), if(carrier_id IS NULL, '', concat('carrier:', assumeNotNull(carrier_id)))]) AS entity
GROUP BY entity, hour;

CREATE MATERIALIZED VIEW IF NOT EXISTS cdr_daily_mv TO cdr_daily AS
SELECT
    entity,
    toDate(end_ms) AS day,
    count() AS attempts,
    countIf(answer_ms IS NOT NULL) AS answered,
    countIf(sip_code IN (200, 480, 486, 600, 603)) AS ner_calls,
    countIf(sip_code < 300 OR sip_code >= 400) AS ner_attempts,
    toUInt64(sumIf(toUnixTimestamp64Milli(end_ms) - toUnixTimestamp64Milli(assumeNotNull(answer_ms)), answer_ms IS NOT NULL)) AS billed_ms,
    toUInt64(sumIf(assumeNotNull(pdd_ms), pdd_ms IS NOT NULL)) AS pdd_sum_ms,
    countIf(pdd_ms IS NOT NULL) AS pdd_calls,
    countIf(answer_ms IS NOT NULL AND toUnixTimestamp64Milli(end_ms) - toUnixTimestamp64Milli(assumeNotNull(answer_ms)) < 6000) AS short_calls,
    sum(charge) AS spend,
    sumIf(charge - assumeNotNull(cost), cost IS NOT NULL) AS margin,
    sumMap(map(sip_code, toUInt64(1))) AS codes
FROM cdrs
ARRAY JOIN arrayFilter(e -> e != '', [concat('customer:', customer_id), if(carrier_id IS NULL, '', concat('carrier:', assumeNotNull(carrier_id)))]) AS entity
GROUP BY entity, day;

CREATE MATERIALIZED VIEW IF NOT EXISTS cdr_starts_mv TO cdr_seconds AS
SELECT entity, toStartOfSecond(start_ms) AS second, count() AS starts, toInt64(count()) AS channel_delta
FROM cdrs
ARRAY JOIN arrayFilter(e -> e != '', [concat('customer:', customer_id), if(carrier_id IS NULL, '', concat('carrier:', assumeNotNull(carrier_id)))]) AS entity
GROUP BY entity, second;

CREATE MATERIALIZED VIEW IF NOT EXISTS cdr_ends_mv TO cdr_seconds AS
SELECT entity, toStartOfSecond(end_ms) AS second, toUInt64(0) AS starts, -toInt64(count()) AS channel_delta
FROM cdrs
ARRAY JOIN arrayFilter(e -> e != '', [concat('customer:', customer_id), if(carrier_id IS NULL, '', concat('carrier:', assumeNotNull(carrier_id)))]) AS entity
GROUP BY entity, second;
