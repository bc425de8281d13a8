"""The Polars-Python side of scripts/bench-import.sh.

Does on the generated Meta export what `liftmask import FILE --dry-run --json` reports: read every
column as a string (18-digit IDs stay exact), strip the thousands separators, cast the counts and
amounts, parse the days, then the totals, the distinct ads and the date range. Prints one JSON
object, so a run can be checked against liftmask's.
"""

import json
import sys

import polars as pl


def main(path: str) -> None:
    df = pl.read_csv(path, infer_schema=False)
    spend_column = next(c for c in df.columns if c.startswith("Amount spent"))

    def number(name: str, dtype: pl.DataType) -> pl.Expr:
        return pl.col(name).str.replace_all(",", "", literal=True).cast(dtype)

    rows = df.select(
        pl.col("Ad ID").alias("ad_id"),
        pl.col("Ad name").alias("ad_name"),
        pl.col("Day").str.to_date("%Y-%m-%d").alias("day"),
        number("Impressions", pl.Int64).alias("impressions"),
        number("Link clicks", pl.Int64).alias("clicks"),
        number("Clicks (all)", pl.Int64).alias("clicks_all"),
        number(spend_column, pl.Float64).alias("spend"),
        number("Purchases", pl.Float64).alias("conversions"),
        number("Purchases conversion value", pl.Float64).alias("revenue"),
    )
    summary = rows.select(
        pl.len().alias("rows"),
        pl.col("day").min().alias("date_min"),
        pl.col("day").max().alias("date_max"),
        pl.col("impressions").sum(),
        pl.col("clicks").sum(),
        pl.col("spend").sum(),
        pl.col("conversions").sum(),
        pl.col("revenue").sum(),
    ).row(0, named=True)
    ads = rows.unique("ad_id", keep="first", maintain_order=True)
    summary["ads"] = ads.height
    print(json.dumps(summary, default=str))


if __name__ == "__main__":
    main(sys.argv[1])
