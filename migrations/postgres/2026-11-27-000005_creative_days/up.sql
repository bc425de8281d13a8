-- Per creative (a master, or one of its variants) and day: the ad-day count and the sums, sums of
-- squares and cross products of every mapped ad's rows, so a results page reads a few thousand
-- rows instead of aggregating every performance row. The application keeps it in step with
-- performance_rows and ad_mappings inside the transactions that change them.
CREATE TABLE creative_days (
    id SERIAL PRIMARY KEY,
    master_id INTEGER NOT NULL REFERENCES masters(id) ON DELETE CASCADE,
    variant_id INTEGER REFERENCES variants(id) ON DELETE CASCADE,
    date DATE NOT NULL,
    n BIGINT NOT NULL,
    imp DOUBLE PRECISION NOT NULL,
    imp2 DOUBLE PRECISION NOT NULL,
    clk DOUBLE PRECISION NOT NULL,
    clk2 DOUBLE PRECISION NOT NULL,
    clk_imp DOUBLE PRECISION NOT NULL,
    conv DOUBLE PRECISION NOT NULL,
    conv2 DOUBLE PRECISION NOT NULL,
    conv_clk DOUBLE PRECISION NOT NULL,
    spend DOUBLE PRECISION NOT NULL,
    spend2 DOUBLE PRECISION NOT NULL,
    spend_conv DOUBLE PRECISION NOT NULL,
    spend_clk DOUBLE PRECISION NOT NULL,
    spend_imp DOUBLE PRECISION NOT NULL,
    rev DOUBLE PRECISION NOT NULL,
    rev2 DOUBLE PRECISION NOT NULL,
    rev_spend DOUBLE PRECISION NOT NULL
);
CREATE INDEX creative_days_target ON creative_days(master_id, variant_id, date);
INSERT INTO creative_days (master_id, variant_id, date, n, imp, imp2, clk, clk2, clk_imp, conv, conv2, conv_clk, spend, spend2, spend_conv, spend_clk, spend_imp, rev, rev2, rev_spend)
SELECT m.master_id, m.variant_id, p.date, COUNT(*),
    SUM(p.i), SUM(p.i * p.i), SUM(p.c), SUM(p.c * p.c), SUM(p.c * p.i),
    SUM(p.v), SUM(p.v * p.v), SUM(p.v * p.c),
    SUM(p.s), SUM(p.s * p.s), SUM(p.s * p.v), SUM(p.s * p.c), SUM(p.s * p.i),
    SUM(p.r), SUM(p.r * p.r), SUM(p.r * p.s)
FROM ad_mappings m
JOIN (SELECT platform, ad_id, date, CAST(impressions AS DOUBLE PRECISION) AS i, CAST(clicks AS DOUBLE PRECISION) AS c,
        CAST(spend_micros AS DOUBLE PRECISION) / 1000000.0 AS s, CAST(conversions AS DOUBLE PRECISION) AS v,
        CAST(conversion_value AS DOUBLE PRECISION) AS r
      FROM performance_rows) p ON p.platform = m.platform AND p.ad_id = m.ad_id
GROUP BY m.master_id, m.variant_id, p.date;
