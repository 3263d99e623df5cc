//! The words and rules of training (DOMAIN.md, journey step 2): occupations, skill levels, how
//! a cohort moves through its states, and how much attendance completion needs.

use chrono::NaiveDate;
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
}
