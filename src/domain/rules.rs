//! The programme's rules that are settings (retirement age, completion share, certified kinds):
//! plain values, read by the configuration and by every rule that depends on them.

/// Settings of the programme's rules (DOMAIN.md), shared with the handlers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rules {
    /// `RETIREMENT_AGE`, default 60: trainees are registered from 16 until this age.
    pub retirement_age: u32,
    /// `COMPLETION_ATTENDANCE_PERCENT`, default 80: the share of a cohort's planned days a
    /// trainee must attend to complete it.
    pub completion_attendance_percent: u32,
    /// `CERTIFIED_KINDS`, default `skill_level,special_ability`: the certificate kinds that make
    /// a trainee certified in the reports.
    pub certified_kinds: CertifiedKinds,
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
