//! Which platform exported a file, judged from its header names, and each platform's column
//! vocabulary.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::mapping::Field;
use super::money::Currency;

/// The ad platform a file came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Platform {
    /// Meta Ads Manager ("Export table data").
    Meta,
    /// Google Ads report download.
    Google,
    /// TikTok Ads Manager report export.
    Tiktok,
    /// Any other tool, read through a user-given column mapping.
    Generic,
}

impl Platform {
    /// The lowercase name used by the CLI, the API and the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Meta => "meta",
            Self::Google => "google",
            Self::Tiktok => "tiktok",
            Self::Generic => "generic",
        }
    }
}

impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A platform name that is not one of `meta`, `google`, `tiktok`, `generic`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown platform {0:?} (expected meta, google, tiktok or generic)")]
pub struct UnknownPlatformName(pub String);

impl FromStr for Platform {
    type Err = UnknownPlatformName;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "meta" | "facebook" => Ok(Self::Meta),
            "google" | "google-ads" | "google_ads" => Ok(Self::Google),
            "tiktok" => Ok(Self::Tiktok),
            "generic" => Ok(Self::Generic),
            _ => Err(UnknownPlatformName(s.to_owned())),
        }
    }
}

/// A platform's header vocabulary. Names are stored normalized (see [`normalize`]); the spend
/// aliases match with or without a currency suffix such as ` (EUR)`.
pub(crate) struct Profile {
    /// For each field, accepted header names in order of preference (Meta's `Day` beats
    /// `Reporting starts`).
    pub aliases: &'static [(Field, &'static [&'static str])],
    /// Names that only this platform uses; detection counts them.
    pub markers: &'static [&'static str],
}

// French names follow Ads Manager's French UI; both "Identifiant" and "ID" spellings occur.
const META: Profile = Profile {
    aliases: &[
        (Field::Date, &["day", "jour", "reporting starts", "début des rapports"]),
        (Field::AccountId, &["account id", "identifiant du compte", "id du compte"]),
        (Field::Currency, &["currency", "devise"]),
        (Field::CampaignId, &["campaign id", "identifiant de la campagne", "id de la campagne"]),
        (Field::CampaignName, &["campaign name", "nom de la campagne"]),
        (
            Field::AdsetId,
            &[
                "ad set id",
                "identifiant de l'ensemble de publicités",
                "id de l'ensemble de publicités",
            ],
        ),
        (Field::AdsetName, &["ad set name", "nom de l'ensemble de publicités"]),
        (Field::AdId, &["ad id", "identifiant de la publicité", "id de la publicité"]),
        (Field::AdName, &["ad name", "nom de la publicité"]),
        (Field::Impressions, &["impressions"]),
        (Field::Clicks, &["link clicks", "clics sur un lien"]),
        (Field::ClicksAll, &["clicks (all)", "clics (tous)"]),
        (Field::Spend, &["amount spent", "montant dépensé"]),
        (Field::Conversions, &["purchases", "achats"]),
        (
            Field::ConversionValue,
            &["purchases conversion value", "valeur de conversion des achats"],
        ),
        (Field::Results, &["results", "résultats"]),
        (
            Field::ResultIndicator,
            &["result indicator", "indicateur de résultats", "indicateur de résultat"],
        ),
    ],
    markers: &[
        "amount spent",
        "link clicks",
        "ad set name",
        "ad set id",
        "reporting starts",
        "reporting ends",
        "purchases conversion value",
        "result indicator",
        "montant dépensé",
        "clics sur un lien",
        "nom de l'ensemble de publicités",
        "début des rapports",
        "fin des rapports",
        "nom de la campagne",
    ],
};

const GOOGLE: Profile = Profile {
    aliases: &[
        (Field::Date, &["day"]),
        (Field::AccountId, &["customer id"]),
        (Field::Currency, &["currency code"]),
        (Field::CampaignId, &["campaign id"]),
        (Field::CampaignName, &["campaign"]),
        (Field::AdsetId, &["ad group id"]),
        (Field::AdsetName, &["ad group"]),
        (Field::AdId, &["ad id"]),
        (Field::AdName, &["ad name", "ad"]),
        (Field::Impressions, &["impr.", "impressions"]),
        (Field::Clicks, &["clicks"]),
        (Field::Spend, &["cost"]),
        (Field::Conversions, &["conversions"]),
        (Field::ConversionValue, &["conv. value"]),
    ],
    markers: &[
        "impr.",
        "ad group",
        "ad group id",
        "currency code",
        "conv. value",
        "conv. rate",
        "avg. cpc",
        "customer id",
    ],
};

const TIKTOK: Profile = Profile {
    aliases: &[
        (Field::Date, &["by day", "date"]),
        (Field::AccountId, &["advertiser id"]),
        (Field::Currency, &["currency"]),
        (Field::CampaignId, &["campaign id"]),
        (Field::CampaignName, &["campaign name"]),
        (Field::AdsetId, &["ad group id"]),
        (Field::AdsetName, &["ad group name"]),
        (Field::AdId, &["ad id"]),
        (Field::AdName, &["ad name"]),
        (Field::Impressions, &["impressions"]),
        (Field::Clicks, &["clicks (destination)"]),
        (Field::ClicksAll, &["clicks (all)"]),
        (Field::Spend, &["cost"]),
        (Field::Conversions, &["conversions"]),
        (Field::ConversionValue, &["total complete payment value"]),
    ],
    markers: &[
        "by day",
        "clicks (destination)",
        "ctr (destination)",
        "cpc (destination)",
        "ad group name",
        "cost per conversion",
        "complete payment",
        "total complete payment value",
        "advertiser id",
    ],
};

/// The vocabulary of a platform; `None` for generic files, which only use the user's mapping.
pub(crate) fn profile(platform: Platform) -> Option<&'static Profile> {
    match platform {
        Platform::Meta => Some(&META),
        Platform::Google => Some(&GOOGLE),
        Platform::Tiktok => Some(&TIKTOK),
        Platform::Generic => None,
    }
}

/// Header comparison form: trimmed, lowercase, typographic apostrophes made plain.
pub(crate) fn normalize(name: &str) -> String {
    name.trim().to_lowercase().replace('\u{2019}', "'")
}

/// Splits a trailing currency suffix off a header: `Amount spent (EUR)` → (`Amount spent`, EUR).
pub(crate) fn split_currency_suffix(name: &str) -> (&str, Option<Currency>) {
    let t = name.trim();
    // Codes are upper case in every export; this keeps `Clicks (all)` from reading as ALL.
    if let Some(inner) = t.strip_suffix(')')
        && let Some(open) = inner.rfind('(')
        && inner[open + 1..].len() == 3
        && inner[open + 1..].bytes().all(|b| b.is_ascii_uppercase())
        && let Ok(cur) = Currency::parse(&inner[open + 1..])
    {
        return (inner[..open].trim_end(), Some(cur));
    }
    (t, None)
}

/// Whether a raw header matches a normalized alias, also with a currency suffix.
pub(crate) fn matches(header: &str, alias: &str) -> bool {
    if normalize(header) == alias {
        return true;
    }
    let (base, currency) = split_currency_suffix(header);
    currency.is_some() && normalize(base) == alias
}

/// Whether any platform knows this header name (used to find the header under a preamble).
pub(crate) fn is_known_header(name: &str) -> bool {
    [&META, &GOOGLE, &TIKTOK].iter().any(|p| {
        p.markers.iter().any(|m| matches(name, m))
            || p.aliases.iter().any(|(_, names)| names.iter().any(|a| matches(name, a)))
    })
}

/// Picks the platform whose distinctive header names the file uses most; `None` when no
/// platform has any, or when two tie (the user must then choose).
pub fn detect_platform(names: &[String]) -> Option<Platform> {
    let mut scores: Vec<(usize, Platform)> = [Platform::Meta, Platform::Google, Platform::Tiktok]
        .into_iter()
        .filter_map(|p| profile(p).map(|prof| (p, prof)))
        .map(|(p, prof)| {
            let score = prof.markers.iter().filter(|m| names.iter().any(|n| matches(n, m))).count();
            (score, p)
        })
        .collect();
    scores.sort_by_key(|s| std::cmp::Reverse(s.0));
    match scores.as_slice() {
        [(best, p), (second, _), ..] if *best > 0 && best > second => Some(*p),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn detects_each_platform() {
        let meta = names(&["Campaign name", "Ad ID", "Amount spent (EUR)", "Link clicks"]);
        assert_eq!(detect_platform(&meta), Some(Platform::Meta));
        let fr = names(&["Jour", "Nom de la campagne", "Montant dépensé (EUR)"]);
        assert_eq!(detect_platform(&fr), Some(Platform::Meta));
        let google = names(&["Day", "Campaign", "Ad group", "Impr.", "Cost", "Currency code"]);
        assert_eq!(detect_platform(&google), Some(Platform::Google));
        let tiktok = names(&["By Day", "Ad group name", "Clicks (destination)", "Cost"]);
        assert_eq!(detect_platform(&tiktok), Some(Platform::Tiktok));
        assert_eq!(detect_platform(&names(&["date", "ad", "spend"])), None);
    }

    #[test]
    fn currency_suffix() {
        assert_eq!(split_currency_suffix("Amount spent (EUR)").0, "Amount spent");
        assert_eq!(
            split_currency_suffix("Cost (USD)").1.map(|c| c.to_string()),
            Some("USD".into())
        );
        assert_eq!(split_currency_suffix("Clicks (all)"), ("Clicks (all)", None));
        assert_eq!(
            split_currency_suffix("CPM (cost per 1,000 impressions) (USD)").0,
            "CPM (cost per 1,000 impressions)"
        );
    }

    #[test]
    fn platform_names() {
        assert_eq!("TikTok".parse::<Platform>(), Ok(Platform::Tiktok));
        assert!("bing".parse::<Platform>().is_err());
    }
}
