//! The programme's rules that are settings (working ages, completion share, certified kinds,
//! the outcome window, the days of work that make a trainee employed): plain values, read by
//! the configuration and by every rule that depends on them.

use chrono::NaiveDate;

use super::id_number::Sex;

/// Settings of the programme's rules (DOMAIN.md), shared with the handlers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rules {
    /// `RETIREMENT_AGE_MALE`, default 60: the labour-statistics working age of men ends here.
    pub retirement_age_male: u32,
    /// `RETIREMENT_AGE_FEMALE`, default 55: the labour-statistics working age of women ends here.
    pub retirement_age_female: u32,
    /// `OUTCOME_CUTOFF`, default 31 March (`03-31`): the day of the year after the training
    /// year until which certificates and work count for it (the plan's subsidy deadline).
    pub outcome_cutoff: (u32, u32),
    /// `EMPLOYMENT_MIN_DAYS`, default 30: the consecutive days of counting work at or above the
    /// threshold that make a trained trainee employed (实现就业).
    pub employment_min_days: u32,
    /// `COMPLETION_ATTENDANCE_PERCENT`, default 80: the share of a cohort's planned days a
    /// trainee must attend to complete it.
    pub completion_attendance_percent: u32,
    /// `CERTIFIED_KINDS`, default `skill_level,special_ability`: the certificate kinds that make
    /// a trainee certified in the reports.
    pub certified_kinds: CertifiedKinds,
}

impl Rules {
    /// The age at which working age ends for `sex`.
    pub fn retirement_age(&self, sex: Sex) -> u32 {
        match sex {
            Sex::Male => self.retirement_age_male,
            Sex::Female => self.retirement_age_female,
        }
    }

    /// Whether `age` is working age for `sex`: from 16 to the retirement age.
    pub fn of_working_age(&self, sex: Sex, age: u32) -> bool {
        (16..self.retirement_age(sex)).contains(&age)
    }

    /// The outcome cut-off of training year `year`: its day in the year after.
    pub fn cutoff_of(&self, year: i32) -> Option<NaiveDate> {
        let (month, day) = self.outcome_cutoff;
        NaiveDate::from_ymd_opt(year.checked_add(1)?, month, day)
    }

    /// Reads a cut-off as `MM-DD` (29 February is refused: it is not in every year).
    pub fn parse_cutoff(raw: &str) -> Option<(u32, u32)> {
        let (month, day) = raw.trim().split_once('-')?;
        let (month, day) = (month.parse::<u32>().ok()?, day.parse::<u32>().ok()?);
        let valid = (month, day) != (2, 29) && NaiveDate::from_ymd_opt(2023, month, day).is_some();
        (valid && month.to_string().len() <= 2).then_some((month, day))
    }
}

/// The certificate kinds that count as certified (DOMAIN.md: a programme setting).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CertifiedKinds {
    /// 职业技能等级证书.
    pub skill_level: bool,
    /// 专项职业能力证书.
    pub special_ability: bool,
    /// 培训合格证书.
    pub training: bool,
}

impl CertifiedKinds {
    /// The kinds' stored names.
    pub fn names(self) -> Vec<&'static str> {
        [
            (self.skill_level, "skill_level"),
            (self.special_ability, "special_ability"),
            (self.training, "training"),
        ]
        .into_iter()
        .filter_map(|(on, name)| on.then_some(name))
        .collect()
    }

    /// Reads a comma-separated list of kinds; at least one.
    pub fn parse(raw: &str) -> Option<Self> {
        let mut kinds = Self {
            skill_level: false,
            special_ability: false,
            training: false,
        };
        for name in raw.split(',').map(str::trim) {
            match name {
                "skill_level" => kinds.skill_level = true,
                "special_ability" => kinds.special_ability = true,
                "training" => kinds.training = true,
                _ => return None,
            }
        }
        Some(kinds)
    }
}
