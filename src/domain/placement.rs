//! The words of work (DOMAIN.md, journey steps 4–5): how a placement moves through its states,
//! the contracts it may rest on, and how a follow-up reached the person.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use chrono::NaiveDate;

use super::Refusal;
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

/// What is asked of a placement after it was reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlacementAction<'a> {
    /// The employer named confirms it.
    Confirm,
    /// The employer named disputes it.
    Dispute,
    /// It ended on a day, for a reason.
    End {
        /// The last day of work.
        on: NaiveDate,
        /// Why (trimmed).
        reason: &'a str,
    },
}

/// What an action is judged against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlacementNow<'a> {
    /// Its status.
    pub status: PlacementStatus,
    /// Its first day.
    pub start_date: NaiveDate,
    /// Its end, once ended.
    pub ended_on: Option<NaiveDate>,
    /// Why it ended.
    pub end_reason: Option<&'a str>,
    /// The day of its latest follow-up.
    pub last_follow_up_on: Option<NaiveDate>,
}

/// The status an action moves a placement to, `None` when it repeats what was done (a retry
/// without a key), or why it is refused. Confirming and disputing need a `reported` placement;
/// an end is not in the future, not before the start nor before the latest follow-up.
pub fn next_status(
    now: &PlacementNow<'_>,
    action: PlacementAction<'_>,
    today: NaiveDate,
) -> Result<Option<PlacementStatus>, Refusal> {
    match action {
        PlacementAction::Confirm | PlacementAction::Dispute
            if now.status != PlacementStatus::Reported =>
        {
            Err(Refusal::Conflict(format!(
                "The placement is {}; only a reported placement is confirmed or disputed",
                now.status.as_str()
            )))
        }
        PlacementAction::Confirm => Ok(Some(PlacementStatus::Confirmed)),
        PlacementAction::Dispute => Ok(Some(PlacementStatus::Disputed)),
        PlacementAction::End { on, reason } => {
            if now.status == PlacementStatus::Ended {
                return if now.ended_on == Some(on) && now.end_reason == Some(reason) {
                    Ok(None)
                } else {
                    Err(Refusal::Conflict(format!(
                        "The placement ended already, on {}",
                        now.ended_on.unwrap_or(now.start_date)
                    )))
                };
            }
            if on > today {
                return Err(Refusal::Rule(
                    "ended_on",
                    "future",
                    format!("{on} is in the future"),
                ));
            }
            if on < now.start_date {
                return Err(Refusal::Rule(
                    "ended_on",
                    "before_start",
                    format!("is before the start, {}", now.start_date),
                ));
            }
            // Follow-ups are dated within the placement: none may come after its end.
            if let Some(day) = now.last_follow_up_on.filter(|d| *d > on) {
                return Err(Refusal::Rule(
                    "ended_on",
                    "before_follow_up",
                    format!("is before the follow-up of {day}; the end is on or after it"),
                ));
            }
            Ok(Some(PlacementStatus::Ended))
        }
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

    fn day(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    fn placement(status: PlacementStatus) -> PlacementNow<'static> {
        PlacementNow {
            status,
            start_date: day("2024-03-01"),
            ended_on: None,
            end_reason: None,
            last_follow_up_on: Some(day("2024-05-01")),
        }
    }

    #[test]
    fn only_a_reported_placement_is_confirmed_or_disputed() {
        let today = day("2024-06-01");
        let reported = placement(PlacementStatus::Reported);
        assert_eq!(
            next_status(&reported, PlacementAction::Confirm, today),
            Ok(Some(PlacementStatus::Confirmed))
        );
        assert_eq!(
            next_status(&reported, PlacementAction::Dispute, today),
            Ok(Some(PlacementStatus::Disputed))
        );
        for status in [
            PlacementStatus::Confirmed,
            PlacementStatus::Disputed,
            PlacementStatus::Ended,
        ] {
            for action in [PlacementAction::Confirm, PlacementAction::Dispute] {
                assert!(matches!(
                    next_status(&placement(status), action, today),
                    Err(Refusal::Conflict(_))
                ));
            }
        }
    }

    #[test]
    fn an_end_is_dated_between_the_last_follow_up_and_today_and_repeats_harmlessly() {
        let today = day("2024-06-01");
        let open = placement(PlacementStatus::Confirmed);
        let end = |on: &str| PlacementAction::End {
            on: day(on),
            reason: "合同期满",
        };
        assert_eq!(
            next_status(&open, end("2024-05-01"), today),
            Ok(Some(PlacementStatus::Ended))
        );
        let code = |r: Result<Option<PlacementStatus>, Refusal>| match r {
            Err(Refusal::Rule(field, code, _)) => format!("{field}.{code}"),
            other => format!("{other:?}"),
        };
        assert_eq!(
            code(next_status(&open, end("2024-06-02"), today)),
            "ended_on.future"
        );
        assert_eq!(
            code(next_status(&open, end("2024-02-28"), today)),
            "ended_on.before_start"
        );
        assert_eq!(
            code(next_status(&open, end("2024-04-30"), today)),
            "ended_on.before_follow_up"
        );
        let ended = PlacementNow {
            status: PlacementStatus::Ended,
            ended_on: Some(day("2024-05-01")),
            end_reason: Some("合同期满"),
            ..open
        };
        assert_eq!(next_status(&ended, end("2024-05-01"), today), Ok(None));
        assert!(matches!(
            next_status(&ended, end("2024-05-02"), today),
            Err(Refusal::Conflict(_))
        ));
    }
}
