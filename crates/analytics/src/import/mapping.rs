//! Canonical fields and the mapping from them to a file's columns.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::detect::{self, Platform};
use super::error::ImportError;
use super::money::Currency;
use super::sniff::HeaderInfo;

/// A canonical field of an imported row (see AD-EXPORTS.md), plus the two Meta columns that
/// explain `Results`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    /// The day the row covers.
    Date,
    /// Advertiser account.
    AccountId,
    /// A per-row currency code column.
    Currency,
    /// Campaign ID.
    CampaignId,
    /// Campaign name.
    CampaignName,
    /// Ad set / ad group ID.
    AdsetId,
    /// Ad set / ad group name.
    AdsetName,
    /// Ad ID (required; the key of performance rows).
    AdId,
    /// Ad name (may carry a variant code such as `LM-7F3K`).
    AdName,
    /// Impressions.
    Impressions,
    /// Link / destination clicks.
    Clicks,
    /// All clicks, including social interactions.
    ClicksAll,
    /// Amount spent in the account currency.
    Spend,
    /// Conversions (Meta purchases).
    Conversions,
    /// Conversion value (revenue).
    ConversionValue,
    /// Meta `Results` (objective-dependent; summarized, never used as conversions).
    Results,
    /// Meta `Result indicator`, the type of each row's `Results`.
    ResultIndicator,
}

impl Field {
    /// Every field, in canonical column order.
    pub const ALL: [Field; 17] = [
        Field::Date,
        Field::AccountId,
        Field::Currency,
        Field::CampaignId,
        Field::CampaignName,
        Field::AdsetId,
        Field::AdsetName,
        Field::AdId,
        Field::AdName,
        Field::Impressions,
        Field::Clicks,
        Field::ClicksAll,
        Field::Spend,
        Field::Conversions,
        Field::ConversionValue,
        Field::Results,
        Field::ResultIndicator,
    ];

    /// Fields without which a row cannot be stored or analysed.
    pub const REQUIRED: [Field; 5] =
        [Field::Date, Field::AdId, Field::Impressions, Field::Clicks, Field::Spend];

    /// The snake_case name used in mappings (`spend`, `ad_id`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Date => "date",
            Self::AccountId => "account_id",
            Self::Currency => "currency",
            Self::CampaignId => "campaign_id",
            Self::CampaignName => "campaign_name",
            Self::AdsetId => "adset_id",
            Self::AdsetName => "adset_name",
            Self::AdId => "ad_id",
            Self::AdName => "ad_name",
            Self::Impressions => "impressions",
            Self::Clicks => "clicks",
            Self::ClicksAll => "clicks_all",
            Self::Spend => "spend",
            Self::Conversions => "conversions",
            Self::ConversionValue => "conversion_value",
            Self::Results => "results",
            Self::ResultIndicator => "result_indicator",
        }
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A name that is not a canonical field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown field {0:?}")]
pub struct UnknownField(pub String);

impl FromStr for Field {
    type Err = UnknownField;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Field::ALL
            .into_iter()
            .find(|f| f.as_str() == s.trim())
            .ok_or_else(|| UnknownField(s.to_owned()))
    }
}

/// Canonical field → source column name. As input it overrides or completes detection (and is
/// the whole mapping for generic files); as output it shows what was used, for a preview page.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ColumnMapping(BTreeMap<Field, String>);

impl ColumnMapping {
    /// An empty mapping.
    pub fn new() -> Self {
        Self::default()
    }

    /// Maps `field` to the column named `column`, replacing any earlier choice.
    pub fn insert(&mut self, field: Field, column: impl Into<String>) -> &mut Self {
        self.0.insert(field, column.into());
        self
    }

    /// The column mapped to `field`.
    pub fn get(&self, field: Field) -> Option<&str> {
        self.0.get(&field).map(String::as_str)
    }

    /// Pairs in canonical field order.
    pub fn iter(&self) -> impl Iterator<Item = (Field, &str)> {
        self.0.iter().map(|(f, c)| (*f, c.as_str()))
    }

    /// Whether nothing is mapped.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Parses the CLI form `field=Column name`, one pair per item.
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = &'a str>) -> Result<Self, UnknownField> {
        let mut m = Self::new();
        for pair in pairs {
            let (field, column) = pair.split_once('=').ok_or_else(|| UnknownField(pair.into()))?;
            m.insert(field.parse()?, column.trim());
        }
        Ok(m)
    }
}

/// The mapping resolved against one file's header.
#[derive(Debug, Clone)]
pub(crate) struct Resolved {
    /// Field → index into the header.
    pub columns: BTreeMap<Field, usize>,
    /// Field → header name, as shown to users.
    pub mapping: ColumnMapping,
    /// The currency named by the spend header's suffix (`Amount spent (EUR)`).
    pub header_currency: Option<Currency>,
}

/// Finds the column for every field: user overrides first, then the platform's aliases.
pub(crate) fn resolve(
    platform: Platform,
    header: &HeaderInfo,
    overrides: &ColumnMapping,
) -> Result<Resolved, ImportError> {
    let names = &header.names;
    let mut columns = BTreeMap::new();
    for (field, column) in overrides.iter() {
        // Exact match first so two columns differing only in case stay distinguishable.
        let idx = names
            .iter()
            .position(|n| n == column)
            .or_else(|| {
                names.iter().position(|n| detect::normalize(n) == detect::normalize(column))
            })
            .ok_or_else(|| ImportError::MappedColumnNotFound {
                line: header.line,
                field,
                column: column.to_owned(),
            })?;
        columns.insert(field, idx);
    }
    if let Some(profile) = detect::profile(platform) {
        for (field, aliases) in profile.aliases {
            if columns.contains_key(field) {
                continue;
            }
            let found = aliases
                .iter()
                .find_map(|alias| names.iter().position(|n| detect::matches(n, alias)));
            if let Some(idx) = found {
                columns.insert(*field, idx);
            }
        }
    }
    for field in Field::REQUIRED {
        if !columns.contains_key(&field) {
            let expected = detect::profile(platform)
                .and_then(|p| p.aliases.iter().find(|(f, _)| *f == field))
                .map(|(_, a)| a.iter().map(|s| (*s).to_owned()).collect())
                .unwrap_or_else(|| vec![format!("a column mapped to {field}")]);
            return Err(ImportError::MissingColumn { line: header.line, field, expected });
        }
    }
    let mut mapping = ColumnMapping::new();
    for (field, idx) in &columns {
        mapping.insert(*field, names[*idx].trim());
    }
    let header_currency =
        columns.get(&Field::Spend).and_then(|&i| detect::split_currency_suffix(&names[i]).1);
    Ok(Resolved { columns, mapping, header_currency })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::sniff::Delimiter;

    fn header(names: &[&str]) -> HeaderInfo {
        HeaderInfo {
            line: 3,
            offset: 0,
            delimiter: Delimiter::Comma,
            names: names.iter().map(|s| (*s).to_owned()).collect(),
        }
    }

    #[test]
    fn meta_prefers_day_and_reads_the_suffix() {
        let h = header(&[
            "Reporting starts",
            "Day",
            "Ad ID",
            "Impressions",
            "Link clicks",
            "Amount spent (GBP)",
        ]);
        let r = resolve(Platform::Meta, &h, &ColumnMapping::new()).unwrap();
        assert_eq!(r.columns[&Field::Date], 1);
        assert_eq!(r.header_currency.map(|c| c.to_string()), Some("GBP".into()));
        assert_eq!(r.mapping.get(Field::Spend), Some("Amount spent (GBP)"));
    }

    #[test]
    fn missing_required_column_names_the_header_line() {
        let h = header(&["Day", "Ad ID", "Impressions", "Amount spent (GBP)"]);
        match resolve(Platform::Meta, &h, &ColumnMapping::new()) {
            Err(ImportError::MissingColumn { line: 3, field: Field::Clicks, expected }) => {
                assert!(expected.contains(&"link clicks".to_owned()));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn overrides_and_generic() {
        let h = header(&["when", "creative", "views", "taps", "money"]);
        let m = ColumnMapping::from_pairs([
            "date=when",
            "ad_id=creative",
            "impressions=views",
            "clicks=taps",
            "spend=money",
        ])
        .unwrap();
        let r = resolve(Platform::Generic, &h, &m).unwrap();
        assert_eq!(r.columns[&Field::Spend], 4);
        let bad = ColumnMapping::from_pairs(["spend=nope"]).unwrap();
        assert!(matches!(
            resolve(Platform::Generic, &h, &bad),
            Err(ImportError::MappedColumnNotFound { line: 3, .. })
        ));
        assert!(ColumnMapping::from_pairs(["bogus=x"]).is_err());
    }
}
