//! The words and rules of training (DOMAIN.md, journey step 2): occupations, skill levels, how
//! a cohort moves through its states, and how much attendance completion needs.

use chrono::NaiveDate;

use super::Refusal;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// An enumeration stored as text: its names, `as_str` and `parse`.
macro_rules! stored_names {
    ($name:ident { $($variant:ident = $text:literal),+ $(,)? }) => {
        impl $name {
            /// Every value, in the order of the enumeration.
            pub const ALL: &'static [Self] = &[$(Self::$variant),+];

            /// The stored (and JSON) name.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $text),+
                }
            }

            /// The value of a stored name.
            pub fn parse(name: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|v| v.as_str() == name)
            }
        }
    };
}
pub(crate) use stored_names;

/// What a certificate certifies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CertificateKind {
    /// 职业技能等级证书: the ladder climbs by these.
    SkillLevel,
    /// 专项职业能力证书.
    SpecialAbility,
    /// 培训合格证书.
    Training,
}

stored_names!(CertificateKind {
    SkillLevel = "skill_level",
    SpecialAbility = "special_ability",
    Training = "training",
});

/// An occupation trained and certified (国家职业技能标准).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Occupation {
    /// 养老护理员 (4-10-01-05)
    ElderlyCare,
    /// 医疗护理员
    MedicalCare,
    /// 育婴员
    InfantCare,
    /// 母婴护理
    MaternityCare,
    /// 家政服务员
    DomesticService,
    /// 长期照护师
    LongTermCare,
}

stored_names!(Occupation {
    ElderlyCare = "elderly_care",
    MedicalCare = "medical_care",
    InfantCare = "infant_care",
    MaternityCare = "maternity_care",
    DomesticService = "domestic_service",
    LongTermCare = "long_term_care",
});

/// A skill level; the digit is the one on certificates. L5 is the first rung (护工), L2 and L1
/// are care specialists (护师).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
pub enum Level {
    /// 五级 / 初级工
    L5,
    /// 四级 / 中级工
    L4,
    /// 三级 / 高级工
    L3,
    /// 二级 / 技师
    L2,
    /// 一级 / 高级技师
    L1,
}

stored_names!(Level {
    L5 = "L5",
    L4 = "L4",
    L3 = "L3",
    L2 = "L2",
    L1 = "L1",
});

/// How a cohort is paid for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FundingType {
    /// 院校 / 培训机构
    Institution,
    /// 订单式 / 项目制
    OrderBased,
    /// 企业
    Enterprise,
}

stored_names!(FundingType {
    Institution = "institution",
    OrderBased = "order_based",
    Enterprise = "enterprise",
});

/// How a cohort is taught.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// In a classroom.
    InPerson,
    /// Online.
    Online,
    /// Both.
    Blended,
}

stored_names!(Mode {
    InPerson = "in_person",
    Online = "online",
    Blended = "blended",
});

/// Where a cohort is in its life: `planned → open → running → closed`, forward only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CohortStatus {
    /// Announced; places may already be taken.
    Planned,
    /// Taking enrolments.
    Open,
    /// Classes are being held; trainees may still join.
    Running,
    /// Over: no more enrolments.
    Closed,
}

stored_names!(CohortStatus {
    Planned = "planned",
    Open = "open",
    Running = "running",
    Closed = "closed",
});

impl CohortStatus {
    /// Whether a cohort may move from `self` to `next`: forward only (steps may be skipped,
    /// say a cohort that opens on its first day), or stay where it is.
    pub fn may_become(self, next: Self) -> bool {
        next >= self
    }

    /// Whether it takes new enrolments.
    pub fn takes_enrolments(self) -> bool {
        self != Self::Closed
    }
}

/// Where a trainee is in a cohort: `enrolled → in_training → completed | dropped`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EnrolmentStatus {
    /// Has a place; has not attended yet.
    Enrolled,
    /// Has attended at least one day.
    InTraining,
    /// Finished, with the attendance the cohort plans.
    Completed,
    /// Left; the record stays, with the reason and date.
    Dropped,
}

stored_names!(EnrolmentStatus {
    Enrolled = "enrolled",
    InTraining = "in_training",
    Completed = "completed",
    Dropped = "dropped",
});

impl EnrolmentStatus {
    /// Whether the enrolment is still going (neither completed nor dropped).
    pub fn is_active(self) -> bool {
        matches!(self, Self::Enrolled | Self::InTraining)
    }
}

/// A day the records may carry: not after `today` nor before the programme's first.
pub fn recorded_day(field: &'static str, on: NaiveDate, today: NaiveDate) -> Result<(), Refusal> {
    if on > today {
        return Err(Refusal::Invalid(
            field,
            "future",
            format!("{on} is in the future"),
        ));
    }
    if on < earliest_date() {
        return Err(Refusal::Invalid(
            field,
            "range",
            format!("must be on or after {}", earliest_date()),
        ));
    }
    Ok(())
}

/// What is asked of an enrolment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EnrolmentAction<'a> {
    /// Completed on a day.
    Complete {
        /// The day of completion.
        on: NaiveDate,
    },
    /// Left on a day, for a reason.
    Drop {
        /// The day they left.
        on: NaiveDate,
        /// Why.
        reason: &'a str,
    },
}

/// What an enrolment action is judged against: the enrolment and its cohort.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EnrolmentNow<'a> {
    /// Its status.
    pub status: EnrolmentStatus,
    /// The day of enrolment.
    pub enrolled_on: NaiveDate,
    /// Days attended, from the register.
    pub attended_days: i32,
    /// Its completion, once completed.
    pub completed_on: Option<NaiveDate>,
    /// Its drop-out, once dropped.
    pub dropped_on: Option<NaiveDate>,
    /// Why it was dropped.
    pub drop_reason: Option<&'a str>,
    /// The last day it was marked present.
    pub last_attended: Option<NaiveDate>,
    /// The cohort's first day.
    pub cohort_start: NaiveDate,
    /// The cohort's planned days.
    pub planned_days: i32,
}

/// The status an action moves an enrolment to, `None` when it repeats what was done, or why it
/// is refused: a finished enrolment stays finished; a day is neither in the future nor before
/// the enrolment (nor, for completion, before the cohort's first day or the last day attended);
/// completion needs `completion_percent` of the planned days attended.
pub fn next_enrolment_status(
    now: &EnrolmentNow<'_>,
    action: EnrolmentAction<'_>,
    completion_percent: u32,
    today: NaiveDate,
) -> Result<Option<EnrolmentStatus>, Refusal> {
    let repeated = match action {
        EnrolmentAction::Complete { on } => {
            now.status == EnrolmentStatus::Completed && now.completed_on == Some(on)
        }
        EnrolmentAction::Drop { on, reason } => {
            now.status == EnrolmentStatus::Dropped
                && now.dropped_on == Some(on)
                && now.drop_reason == Some(reason)
        }
    };
    if repeated {
        return Ok(None);
    }
    if !now.status.is_active() {
        return Err(Refusal::Rule(
            "status",
            "finished",
            format!("the enrolment is {} already", now.status.as_str()),
        ));
    }
    let (field, on) = match action {
        EnrolmentAction::Complete { on } => ("completed_on", on),
        EnrolmentAction::Drop { on, .. } => ("dropped_on", on),
    };
    recorded_day(field, on, today)?;
    match action {
        EnrolmentAction::Complete { on } => {
            let first = now.cohort_start.max(now.enrolled_on);
            if on < first {
                return Err(Refusal::Rule(
                    "completed_on",
                    "before_start",
                    format!("is before the cohort's first day or the enrolment, {first}"),
                ));
            }
            if let Some(last) = now.last_attended.filter(|last| on < *last) {
                return Err(Refusal::Rule(
                    "completed_on",
                    "before_last_attendance",
                    format!("is before the last day attended, {last}"),
                ));
            }
            let needed = required_days(now.planned_days, completion_percent);
            if now.attended_days < needed {
                return Err(Refusal::Rule(
                    "attended_days",
                    "insufficient_attendance",
                    format!(
                        "attended {} days; completion needs {needed} ({completion_percent} % of the {} planned)",
                        now.attended_days, now.planned_days
                    ),
                ));
            }
            Ok(Some(EnrolmentStatus::Completed))
        }
        EnrolmentAction::Drop { on, .. } => {
            if on < now.enrolled_on {
                return Err(Refusal::Rule(
                    "dropped_on",
                    "before_enrolment",
                    format!("is before the enrolment, {}", now.enrolled_on),
                ));
            }
            Ok(Some(EnrolmentStatus::Dropped))
        }
    }
}

/// The modules every cohort teaches, whatever its occupation (安全、消防、法制、普通话).
pub const MANDATORY_MODULES: [&str; 4] = ["safety", "fire_safety", "law", "mandarin"];

/// The days of attendance completion needs: `percent` of the planned days, rounded up.
pub fn required_days(planned_days: i32, percent: u32) -> i32 {
    let share = i64::from(planned_days) * i64::from(percent);
    let needed = (share + 99) / 100;
    i32::try_from(needed).unwrap_or(i32::MAX)
}

/// The days from `start` to `end`, both counted.
pub fn calendar_days(start: NaiveDate, end: NaiveDate) -> i64 {
    (end - start).num_days() + 1
}

/// The first day the programme's records can name; earlier dates are typing mistakes.
pub fn earliest_date() -> NaiveDate {
    NaiveDate::from_ymd_opt(2016, 1, 1).unwrap_or(NaiveDate::MIN)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn completion_needs_the_planned_share_rounded_up() {
        assert_eq!(required_days(26, 80), 21); // 20.8
        assert_eq!(required_days(10, 80), 8);
        assert_eq!(required_days(1, 80), 1);
        assert_eq!(required_days(26, 100), 26);
        assert_eq!(required_days(3, 1), 1);
    }

    #[test]
    fn cohorts_only_move_forward() {
        use CohortStatus::*;
        assert!(Planned.may_become(Open));
        assert!(Open.may_become(Running));
        assert!(Planned.may_become(Running));
        assert!(Running.may_become(Closed));
        assert!(Running.may_become(Running));
        assert!(!Running.may_become(Open));
        assert!(!Closed.may_become(Running));
        assert!(!Closed.takes_enrolments());
        assert!(Running.takes_enrolments());
    }

    #[test]
    fn names_round_trip() {
        for level in Level::ALL {
            assert_eq!(Level::parse(level.as_str()), Some(*level));
        }
        for occupation in Occupation::ALL {
            let json = serde_json::to_value(occupation).unwrap();
            assert_eq!(json, occupation.as_str());
        }
        assert_eq!(
            EnrolmentStatus::parse("in_training"),
            Some(EnrolmentStatus::InTraining)
        );
        assert_eq!(CohortStatus::parse("closing"), None);
    }

    #[test]
    fn calendar_days_count_both_ends() {
        let d = |s: &str| s.parse::<NaiveDate>().unwrap();
        assert_eq!(calendar_days(d("2026-03-01"), d("2026-03-26")), 26);
        assert_eq!(calendar_days(d("2026-03-01"), d("2026-03-01")), 1);
    }

    fn day(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    fn enrolment(status: EnrolmentStatus, attended_days: i32) -> EnrolmentNow<'static> {
        EnrolmentNow {
            status,
            enrolled_on: day("2024-03-05"),
            attended_days,
            completed_on: None,
            dropped_on: None,
            drop_reason: None,
            last_attended: Some(day("2024-03-30")),
            cohort_start: day("2024-03-01"),
            planned_days: 26,
        }
    }

    fn outcome(r: Result<Option<EnrolmentStatus>, Refusal>) -> String {
        match r {
            Ok(Some(status)) => status.as_str().to_owned(),
            Ok(None) => "unchanged".into(),
            Err(Refusal::Rule(field, code, _) | Refusal::Invalid(field, code, _)) => {
                format!("{field}.{code}")
            }
            Err(Refusal::Conflict(_)) => "conflict".into(),
        }
    }

    #[test]
    fn completion_needs_the_attendance_share_and_a_day_after_both_starts() {
        let today = day("2024-04-10");
        let complete = |on: &str| EnrolmentAction::Complete { on: day(on) };
        let run = |attended, on| {
            outcome(next_enrolment_status(
                &enrolment(EnrolmentStatus::InTraining, attended),
                complete(on),
                80,
                today,
            ))
        };
        assert_eq!(run(21, "2024-04-01"), "completed");
        assert_eq!(
            run(20, "2024-04-01"),
            "attended_days.insufficient_attendance"
        );
        // After the cohort's start but before the enrolment.
        assert_eq!(run(21, "2024-03-04"), "completed_on.before_start");
        // Before a day the register says they attended.
        assert_eq!(run(21, "2024-03-29"), "completed_on.before_last_attendance");
        assert_eq!(run(21, "2024-03-30"), "completed");
        assert_eq!(run(21, "2024-04-11"), "completed_on.future");
        assert_eq!(run(21, "2015-12-31"), "completed_on.range");
    }

    #[test]
    fn a_finished_enrolment_stays_finished_and_a_repeat_changes_nothing() {
        let today = day("2024-04-10");
        let completed = EnrolmentNow {
            completed_on: Some(day("2024-04-01")),
            ..enrolment(EnrolmentStatus::Completed, 26)
        };
        let complete = EnrolmentAction::Complete {
            on: day("2024-04-01"),
        };
        assert_eq!(
            outcome(next_enrolment_status(&completed, complete, 80, today)),
            "unchanged"
        );
        let drop = EnrolmentAction::Drop {
            on: day("2024-04-02"),
            reason: "外出务工",
        };
        assert_eq!(
            outcome(next_enrolment_status(&completed, drop, 80, today)),
            "status.finished"
        );
        let dropped = EnrolmentNow {
            dropped_on: Some(day("2024-04-02")),
            drop_reason: Some("外出务工"),
            ..enrolment(EnrolmentStatus::Dropped, 3)
        };
        assert_eq!(
            outcome(next_enrolment_status(&dropped, drop, 80, today)),
            "unchanged"
        );
        let other = EnrolmentAction::Drop {
            on: day("2024-04-03"),
            reason: "外出务工",
        };
        assert_eq!(
            outcome(next_enrolment_status(&dropped, other, 80, today)),
            "status.finished"
        );
        let early = EnrolmentAction::Drop {
            on: day("2024-03-04"),
            reason: "外出务工",
        };
        assert_eq!(
            outcome(next_enrolment_status(
                &enrolment(EnrolmentStatus::Enrolled, 0),
                early,
                80,
                today
            )),
            "dropped_on.before_enrolment"
        );
    }
}
