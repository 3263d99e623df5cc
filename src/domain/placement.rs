//! The words of work (DOMAIN.md, "Placements and evidence"): the kinds of work, a placement's
//! lifecycle and, apart from it, its evidence; the actions on it and the state each leads to;
//! the contracts work may rest on, and how a follow-up reached the person.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use chrono::NaiveDate;

use super::Refusal;
use super::training::stored_names;

/// What kind of work a placement is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum WorkKind {
    /// For a registered employer, who may confirm or dispute it.
    Employer,
    /// For a household that hires directly (no account): evidenced by a follow-up.
    Household,
    /// Self-employment (经营收入): a business and its declared monthly income.
    SelfEmployed,
}

stored_names!(WorkKind {
    Employer = "employer",
    Household = "household",
    SelfEmployed = "self_employed",
});

/// Whether the work goes on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Lifecycle {
    /// Going on: followed up every 30 days.
    Open,
    /// Ended, on its last day.
    Ended,
}

stored_names!(Lifecycle {
    Open = "open",
    Ended = "ended",
});

/// What shows the work is real. Evidence may come while the placement is open or after its end
/// (it covers the period worked).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Evidence {
    /// Reported from the field, not yet evidenced: does not count.
    Unverified,
    /// Confirmed by the employer named.
    EmployerConfirmed,
    /// A visit or a call (上门走访 / 电话回访) found the person at work there, or a manager
    /// overruled a dispute.
    FieldVerified,
    /// Disputed by the employer named: does not count, also over field verification, until a
    /// manager overrules it.
    Disputed,
}

stored_names!(Evidence {
    Unverified = "unverified",
    EmployerConfirmed = "employer_confirmed",
    FieldVerified = "field_verified",
    Disputed = "disputed",
});

impl Evidence {
    /// Whether the placement counts as work.
    pub fn counts(self) -> bool {
        matches!(self, Self::EmployerConfirmed | Self::FieldVerified)
    }
}

/// How a manager settles a dispute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Resolution {
    /// The employer is right: the placement does not count.
    Upheld,
    /// The field's evidence stands: the placement counts as field-verified.
    Overruled,
}

stored_names!(Resolution {
    Upheld = "upheld",
    Overruled = "overruled",
});

/// What is asked of a placement after it was reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlacementAction<'a> {
    /// The employer named confirms it.
    Confirm,
    /// The employer named disputes it, for a reason (trimmed).
    Dispute(&'a str),
    /// A manager settles the dispute, for a reason (trimmed).
    Resolve(Resolution, &'a str),
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
    /// Open or ended.
    pub lifecycle: Lifecycle,
    /// Its evidence.
    pub evidence: Evidence,
    /// Why the employer disputed it, once they did.
    pub dispute_reason: Option<&'a str>,
    /// How and why a manager settled the dispute, once they did.
    pub resolution: Option<(Resolution, &'a str)>,
    /// Its first day.
    pub start_date: NaiveDate,
    /// Its end, once ended.
    pub ended_on: Option<NaiveDate>,
    /// Why it ended.
    pub end_reason: Option<&'a str>,
    /// The day of its latest follow-up.
    pub last_follow_up_on: Option<NaiveDate>,
}

/// Where an action leaves a placement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlacementNext {
    /// Open or ended.
    pub lifecycle: Lifecycle,
    /// Its evidence.
    pub evidence: Evidence,
}

/// Where `action` leaves the placement; `None` when it repeats what was done (a retry without
/// a key), or why it is refused.
///
/// - The employer confirms unverified or field-verified work, open or ended; once they have
///   disputed it, a manager settles it.
/// - The employer disputes work they have not confirmed, also over field verification; not
///   once a manager has settled it.
/// - A manager settles a dispute once: upheld, it stays disputed; overruled, it counts as
///   field-verified.
/// - An end is not in the future, not before the start nor before the latest follow-up.
pub fn next_state(
    now: &PlacementNow<'_>,
    action: PlacementAction<'_>,
    today: NaiveDate,
) -> Result<Option<PlacementNext>, Refusal> {
    use Evidence::{Disputed, EmployerConfirmed, FieldVerified, Unverified};
    let evidence = |evidence| {
        Ok(Some(PlacementNext {
            lifecycle: now.lifecycle,
            evidence,
        }))
    };
    let settled = || {
        Refusal::Conflict(match now.resolution {
            Some((Resolution::Upheld, _)) => {
                "A manager upheld the dispute of this placement; it is settled".to_owned()
            }
            _ => "A manager overruled the dispute of this placement; it is settled".to_owned(),
        })
    };
    match action {
        PlacementAction::Confirm => match now.evidence {
            EmployerConfirmed => Ok(None),
            Unverified | FieldVerified if now.resolution.is_none() => evidence(EmployerConfirmed),
            Disputed if now.resolution.is_none() => Err(Refusal::Conflict(
                "You disputed this placement; a manager settles the dispute".to_owned(),
            )),
            _ => Err(settled()),
        },
        PlacementAction::Dispute(reason) => match now.evidence {
            Disputed if now.resolution.is_none() && now.dispute_reason == Some(reason) => Ok(None),
            Disputed if now.resolution.is_none() => Err(Refusal::Conflict(
                "You disputed this placement already, for another reason".to_owned(),
            )),
            EmployerConfirmed => Err(Refusal::Conflict(
                "You confirmed this placement; it cannot be disputed after".to_owned(),
            )),
            Unverified | FieldVerified if now.resolution.is_none() => evidence(Disputed),
            _ => Err(settled()),
        },
        PlacementAction::Resolve(outcome, reason) => match (now.evidence, now.resolution) {
            (Disputed, None) => evidence(match outcome {
                Resolution::Upheld => Disputed,
                Resolution::Overruled => FieldVerified,
            }),
            (_, Some(done)) if done == (outcome, reason) => Ok(None),
            (_, Some(_)) => Err(settled()),
            (other, None) => Err(Refusal::Conflict(format!(
                "The placement is {}; only a disputed placement is resolved",
                other.as_str()
            ))),
        },
        PlacementAction::End { on, reason } => {
            if now.lifecycle == Lifecycle::Ended {
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
            Ok(Some(PlacementNext {
                lifecycle: Lifecycle::Ended,
                evidence: now.evidence,
            }))
        }
    }
}

/// The evidence after a follow-up found the person at work there by a visit or a call: it
/// verifies unverified work; confirmed work stays confirmed, and a dispute outweighs it.
pub fn field_verified(evidence: Evidence) -> Evidence {
    match evidence {
        Evidence::Unverified => Evidence::FieldVerified,
        other => other,
    }
}

/// Whether a placement is on the worklist: open and not disputed.
pub fn followed_up(lifecycle: Lifecycle, evidence: Evidence) -> bool {
    lifecycle == Lifecycle::Open && evidence != Evidence::Disputed
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

impl Channel {
    /// Whether a follow-up by this channel is field evidence: someone of the programme saw or
    /// spoke to the person (an answer in the app is the person's own word).
    pub fn is_field_evidence(self) -> bool {
        matches!(self, Self::Visit | Self::Phone)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_names_round_trip() {
        for k in WorkKind::ALL {
            assert_eq!(WorkKind::parse(k.as_str()), Some(*k));
        }
        for e in Evidence::ALL {
            assert_eq!(Evidence::parse(e.as_str()), Some(*e));
        }
        for l in Lifecycle::ALL {
            assert_eq!(Lifecycle::parse(l.as_str()), Some(*l));
        }
        for r in Resolution::ALL {
            assert_eq!(Resolution::parse(r.as_str()), Some(*r));
        }
        for c in ContractType::ALL {
            assert_eq!(ContractType::parse(c.as_str()), Some(*c));
        }
        for c in Channel::ALL {
            assert_eq!(Channel::parse(c.as_str()), Some(*c));
        }
    }

    #[test]
    fn only_confirmed_and_field_verified_work_counts() {
        let counting: Vec<_> = Evidence::ALL
            .iter()
            .filter(|e| e.counts())
            .map(|e| e.as_str())
            .collect();
        assert_eq!(counting, ["employer_confirmed", "field_verified"]);
        assert!(Channel::Visit.is_field_evidence() && Channel::Phone.is_field_evidence());
        assert!(!Channel::App.is_field_evidence());
    }

    fn day(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    fn placement(lifecycle: Lifecycle, evidence: Evidence) -> PlacementNow<'static> {
        PlacementNow {
            lifecycle,
            evidence,
            dispute_reason: (evidence == Evidence::Disputed).then_some("查无此人"),
            resolution: None,
            start_date: day("2024-03-01"),
            ended_on: (lifecycle == Lifecycle::Ended).then(|| day("2024-05-31")),
            end_reason: (lifecycle == Lifecycle::Ended).then_some("合同期满"),
            last_follow_up_on: Some(day("2024-05-01")),
        }
    }

    /// The evidence an action leaves, `=` for a repeat, or the refusal's kind.
    fn after(now: &PlacementNow<'_>, action: PlacementAction<'_>) -> String {
        match next_state(now, action, day("2024-06-01")) {
            Ok(Some(next)) => format!("{} {}", next.lifecycle.as_str(), next.evidence.as_str()),
            Ok(None) => "=".to_owned(),
            Err(Refusal::Conflict(_)) => "conflict".to_owned(),
            Err(Refusal::Rule(field, code, _)) => format!("{field}.{code}"),
            Err(other) => format!("{other:?}"),
        }
    }

    #[test]
    fn the_employer_confirms_or_disputes_open_or_ended_work() {
        use Evidence::*;
        for lifecycle in [Lifecycle::Open, Lifecycle::Ended] {
            let l = lifecycle.as_str();
            let unverified = placement(lifecycle, Unverified);
            let confirm = PlacementAction::Confirm;
            let dispute = PlacementAction::Dispute("查无此人");
            assert_eq!(
                after(&unverified, confirm),
                format!("{l} employer_confirmed")
            );
            assert_eq!(after(&unverified, dispute), format!("{l} disputed"));
            let verified = placement(lifecycle, FieldVerified);
            assert_eq!(after(&verified, confirm), format!("{l} employer_confirmed"));
            assert_eq!(after(&verified, dispute), format!("{l} disputed"));
            let confirmed = placement(lifecycle, EmployerConfirmed);
            assert_eq!(after(&confirmed, confirm), "=");
            assert_eq!(after(&confirmed, dispute), "conflict");
            let disputed = placement(lifecycle, Disputed);
            assert_eq!(after(&disputed, dispute), "=");
            assert_eq!(
                after(&disputed, PlacementAction::Dispute("不认识")),
                "conflict"
            );
            assert_eq!(after(&disputed, confirm), "conflict");
        }
    }

    #[test]
    fn a_manager_settles_a_dispute_once() {
        let disputed = placement(Lifecycle::Open, Evidence::Disputed);
        let upheld = PlacementAction::Resolve(Resolution::Upheld, "核实无此人");
        let overruled = PlacementAction::Resolve(Resolution::Overruled, "上门核实在岗");
        assert_eq!(after(&disputed, upheld), "open disputed");
        assert_eq!(after(&disputed, overruled), "open field_verified");
        for evidence in [
            Evidence::Unverified,
            Evidence::EmployerConfirmed,
            Evidence::FieldVerified,
        ] {
            assert_eq!(
                after(&placement(Lifecycle::Open, evidence), overruled),
                "conflict"
            );
        }
        let settled = PlacementNow {
            evidence: Evidence::FieldVerified,
            resolution: Some((Resolution::Overruled, "上门核实在岗")),
            ..disputed
        };
        assert_eq!(after(&settled, overruled), "=");
        assert_eq!(after(&settled, upheld), "conflict");
        // Settled is settled: the employer neither confirms nor disputes it again.
        assert_eq!(after(&settled, PlacementAction::Confirm), "conflict");
        assert_eq!(
            after(&settled, PlacementAction::Dispute("查无此人")),
            "conflict"
        );
    }

    #[test]
    fn a_follow_up_at_work_verifies_only_unverified_work() {
        assert_eq!(
            field_verified(Evidence::Unverified),
            Evidence::FieldVerified
        );
        assert_eq!(
            field_verified(Evidence::EmployerConfirmed),
            Evidence::EmployerConfirmed
        );
        assert_eq!(field_verified(Evidence::Disputed), Evidence::Disputed);
        assert!(followed_up(Lifecycle::Open, Evidence::Unverified));
        assert!(!followed_up(Lifecycle::Open, Evidence::Disputed));
        assert!(!followed_up(Lifecycle::Ended, Evidence::FieldVerified));
    }

    #[test]
    fn an_end_is_dated_between_the_last_follow_up_and_today_and_repeats_harmlessly() {
        let open = placement(Lifecycle::Open, Evidence::EmployerConfirmed);
        let end = |on: &'static str| PlacementAction::End {
            on: day(on),
            reason: "合同期满",
        };
        assert_eq!(after(&open, end("2024-05-01")), "ended employer_confirmed");
        assert_eq!(after(&open, end("2024-06-02")), "ended_on.future");
        assert_eq!(after(&open, end("2024-02-28")), "ended_on.before_start");
        assert_eq!(after(&open, end("2024-04-30")), "ended_on.before_follow_up");
        let ended = placement(Lifecycle::Ended, Evidence::Unverified);
        assert_eq!(after(&ended, end("2024-05-31")), "=");
        assert_eq!(after(&ended, end("2024-05-30")), "conflict");
    }
}
