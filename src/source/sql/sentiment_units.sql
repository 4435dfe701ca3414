-- A sentiment of a `real` column in units of 1e-12, as an int8, exactly the value that
-- `c.negative_sentiment::numeric` has (SPEC §3's sums stay exact without per-row numeric).
-- Written by the caller in place of the SENTIMENT_UNITS markers of exact_sums.sql and
-- conversations_facts.sql, for values in [1e-7, 1] (and 0, which is 0).
--
-- `v::numeric` is v printed with 6 significant digits (float4_numeric uses "%.6g"). For v
-- in [10^-k, 10^(1-k)) that is round-half-even of v × 10^(5+k), and v × 10^(5+k) is exact
-- in float8 for k <= 7 (a 24-bit mantissa times 5^12 < 2^53), so round() of it is exactly
-- the printed digits, scaled here to the common unit. tests/it/postgres_performance.rs checks
-- it against `::numeric` on the server itself.
CASE
    WHEN c.negative_sentiment::float8 >= 0.1::float8 THEN round(c.negative_sentiment::float8 * 1e6)::int8 * 1000000
    WHEN c.negative_sentiment::float8 >= 0.01::float8 THEN round(c.negative_sentiment::float8 * 1e7)::int8 * 100000
    WHEN c.negative_sentiment::float8 >= 0.001::float8 THEN round(c.negative_sentiment::float8 * 1e8)::int8 * 10000
    WHEN c.negative_sentiment::float8 >= 0.0001::float8 THEN round(c.negative_sentiment::float8 * 1e9)::int8 * 1000
    WHEN c.negative_sentiment::float8 >= 0.00001::float8 THEN round(c.negative_sentiment::float8 * 1e10)::int8 * 100
    WHEN c.negative_sentiment::float8 >= 0.000001::float8 THEN round(c.negative_sentiment::float8 * 1e11)::int8 * 10
    WHEN c.negative_sentiment::float8 >= 0.0000001::float8 THEN round(c.negative_sentiment::float8 * 1e12)::int8
    ELSE 0::int8
END
