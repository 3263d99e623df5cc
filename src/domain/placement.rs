//! The words of work (DOMAIN.md, journey steps 4–5): how a placement moves through its states,
//! the contracts it may rest on, and how a follow-up reached the person.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::training::stored_names;

/// Where a placement stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PlacementStatus {
    /// Reported from the field, awaiting the employer.
    Reported,
    /// Confirmed by the employer named.
    Confirmed,
    /// Disputed by the employer named: it does not count.
    Disputed,
    /// A household placement that a follow-up found the person working in.
    Verified,
    /// The job ended.
    Ended,
}

stored_names!(PlacementStatus {
    Reported = "reported",
    Confirmed = "confirmed",
    Disputed = "disputed",
    Verified = "verified",
    Ended = "ended",
});

impl PlacementStatus {
    /// Open placements are the ones a trainee may hold one of at a time and that are followed
    /// up: all but the disputed and the ended.
    pub fn is_open(self) -> bool {
        matches!(self, Self::Reported | Self::Confirmed | Self::Verified)
    }
}

/// What the work rests on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ContractType {
    /// 劳动合同
    LabourContract,
    /// 劳务协议
    LabourService,
    /// 劳务派遣
    Dispatch,
    /// 家政服务合同
    HouseholdService,
    /// No written contract.
    Unwritten,
}

stored_names!(ContractType {
    LabourContract = "labour_contract",
    LabourService = "labour_service",
    Dispatch = "dispatch",
    HouseholdService = "household_service",
    Unwritten = "unwritten",
});

/// How a follow-up reached the person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// 上门走访
    Visit,
    /// 电话回访
    Phone,
    /// Through the app.
    App,
}

stored_names!(Channel {
    Visit = "visit",
    Phone = "phone",
    App = "app",
});

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_reported_confirmed_and_verified_are_open() {
        let open: Vec<_> = PlacementStatus::ALL
            .iter()
            .filter(|s| s.is_open())
            .map(|s| s.as_str())
            .collect();
        assert_eq!(open, ["reported", "confirmed", "verified"]);
    }

    #[test]
    fn stored_names_round_trip() {
        for s in PlacementStatus::ALL {
            assert_eq!(PlacementStatus::parse(s.as_str()), Some(*s));
        }
        for c in ContractType::ALL {
            assert_eq!(ContractType::parse(c.as_str()), Some(*c));
        }
        for c in Channel::ALL {
            assert_eq!(Channel::parse(c.as_str()), Some(*c));
        }
    }
}
