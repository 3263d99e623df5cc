//! The kinds of organisation the programme works with.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The role an organisation plays in the programme.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// A training provider (培训机构) that runs cohorts.
    Provider,
    /// An evaluation agency (评价机构) that assesses and certifies.
    Agency,
    /// An employer of trainees (用人单位).
    Employer,
}

impl Kind {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Provider => "provider",
            Self::Agency => "agency",
            Self::Employer => "employer",
        }
    }

    /// The kind of a stored name.
    pub fn parse(name: &str) -> Option<Self> {
        [Self::Provider, Self::Agency, Self::Employer]
            .into_iter()
            .find(|k| k.as_str() == name)
    }
}
