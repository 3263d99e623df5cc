//! The figures of a programme report, defined once: each entry gives its code, its Chinese and
//! English names, what it counts (a metric of `domain::report`, or a rate of two), the target
//! it is held against, and its definition. The JSON report (`Figures`), `definitions`, the CSV
//! rows and the dashboard's labels all derive from this list: adding a figure is one entry
//! here, plus, for a new metric, its rule in `domain::report` (the kept facts' fingerprint
//! lists the metrics, so the server rebuilds them at its next start).

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::Figure;
use crate::db::targets::Target;
use crate::domain::report::Metric;

/// What a figure's value is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Value {
    /// The trainees a metric counts.
    Count(Metric),
    /// One metric as a percent of another.
    Rate(Metric, Metric),
}

/// The target a figure is held against.
#[derive(Debug, Clone, Copy)]
pub enum Goal {
    /// None.
    None,
    /// A count: the target's field, if set.
    Count(fn(&Target) -> Option<i64>),
    /// A rate, in percent.
    Rate(fn(&Target) -> Option<f64>),
}

/// One figure of the report.
#[derive(Debug, Clone, Copy)]
pub struct FigureDef {
    /// Its code: the JSON field, the CSV code.
    pub code: &'static str,
    /// Its Chinese name.
    pub zh: &'static str,
    /// Its English name.
    pub en: &'static str,
    /// What it counts.
    pub value: Value,
    /// The target it is held against.
    pub goal: Goal,
    /// Whether the dashboard shows it among the headline figures.
    pub headline: bool,
}

impl FigureDef {
    /// Whether the figure is a percent.
    pub fn is_rate(&self) -> bool {
        matches!(self.value, Value::Rate(..))
    }

    /// Its name in a CSV row: the Chinese name, with `(%)` for a rate.
    pub fn csv_name(&self) -> String {
        if self.is_rate() {
            format!("{}(%)", self.zh)
        } else {
            self.zh.to_owned()
        }
    }

    /// The figure from the sums of the metrics, against `target` and the share of the year
    /// `elapsed` (percent).
    fn compute(
        &self,
        counts: &HashMap<Metric, i64>,
        target: Option<&Target>,
        elapsed: f64,
    ) -> Figure {
        let n = |m: Metric| counts.get(&m).copied().unwrap_or(0);
        let figure = match self.value {
            Value::Count(m) => Figure::count(n(m)),
            Value::Rate(numerator, denominator) => Figure::rate(n(numerator), n(denominator)),
        };
        match self.goal {
            Goal::None => figure,
            Goal::Count(field) => figure.against(target.and_then(field), elapsed),
            Goal::Rate(field) => figure.against_rate(target.and_then(field)),
        }
    }
}

/// A definition, in Chinese and in English.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
pub struct Definition {
    /// 中文定义.
    pub zh: &'static str,
    /// The definition in English.
    pub en: &'static str,
}

/// What `on_track` means, answered with every report beside the figures' definitions.
const ON_TRACK: Definition = Definition {
    zh: "人数类：实际值 ≥ 目标值 × 年度进度（1月1日至11月30日培训结束）；比率类：实际值 ≥ 目标比率。\
         报告日期：当年为今天；往年为成果截止日（默认次年3月31日），截止日前为今天且报告为临时数。",
    en: "Counts: value ≥ target × the share of the programme year elapsed (1 January to the end \
         of training on 30 November). Rates: value ≥ the target rate. The report date is today \
         for the current year; for a past year, the outcome cut-off (31 March of the year after \
         by default), or today while it has not passed, when the report is provisional.",
};

/// Declares the figures: the `Figures` and `Definitions` bodies, `DEFINITIONS` and `FIGURES`.
macro_rules! figures {
    ($(
        $code:ident {
            zh: $zh:literal,
            en: $en:literal,
            value: $kind:ident($($metric:ident),+),
            goal: $goal:expr,
            headline: $headline:literal,
            zh_definition: $zh_definition:expr,
            definition: $definition:expr $(,)?
        }
    )+) => {
        /// The figures of a report, each with its definition in `definitions`.
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
        pub struct Figures {
            $(
                #[doc = $zh]
                pub $code: Figure,
            )+
        }

        /// What each figure counts, by its code, in Chinese and English, as answered with
        /// every report.
        #[derive(Debug, Clone, Serialize, ToSchema)]
        pub struct Definitions {
            $(
                #[doc = $en]
                pub $code: Definition,
            )+
            /// Definition of `on_track`.
            pub on_track: Definition,
        }

        /// The definitions, the same in every report.
        pub const DEFINITIONS: Definitions = Definitions {
            $($code: Definition { zh: $zh_definition, en: $definition },)+
            on_track: ON_TRACK,
        };

        /// Every figure, in the report's order.
        pub const FIGURES: &[FigureDef] = &[
            $(
                FigureDef {
                    code: stringify!($code),
                    zh: $zh,
                    en: $en,
                    value: Value::$kind($(Metric::$metric),+),
                    goal: $goal,
                    headline: $headline,
                },
            )+
        ];

        impl Figures {
            /// The figures from the sums of the metrics, against `target` and the share of the
            /// year `elapsed` (percent).
            pub fn from_counts(
                counts: &HashMap<Metric, i64>,
                target: Option<&Target>,
                elapsed: f64,
            ) -> Self {
                let mut defs = FIGURES.iter();
                Self {
                    $($code: defs
                        .next()
                        .map(|d| d.compute(counts, target, elapsed))
                        .unwrap_or_else(|| Figure::count(0)),)+
                }
            }

            /// Each figure with its entry, in the report's order.
            pub fn rows(&self) -> Vec<(&'static FigureDef, &Figure)> {
                FIGURES.iter().zip([$(&self.$code),+]).collect()
            }
        }
    };
}

figures! {
    trained {
        zh: "培训人数", en: "Trained", value: Count(Trained),
        goal: Goal::Count(|t| Some(i64::from(t.trained))), headline: true,
        zh_definition: "当年结业的学员（每人计一次）：其所结业的培训班结束日期在当年，自结业之日起计（次年补录的结业计在12月31日）；计入该培训班所在县。",
        definition: "Trainees (each once) who completed a cohort whose end date is in the year, \
            counted from the day of completion (a completion recorded after the year counts on \
            31 December), in the county of that cohort.",
    }
    dropped {
        zh: "中途退出", en: "Dropped out", value: Count(Dropped), goal: Goal::None,
        headline: false,
        zh_definition: "退出当年结束的培训班且当年未结业任何培训班的学员；单列，不从培训人数中悄悄剔除。",
        definition: "Trainees who dropped out of a cohort ending in the year and completed none \
            of the year's cohorts; reported beside trained, never removed silently.",
    }
    assessed {
        zh: "参加评价", en: "Assessed", value: Count(Assessed), goal: Goal::None,
        headline: false,
        zh_definition: "当年结业且所结业培训参加过技能评价（通过或未通过）的学员。",
        definition: "Trained trainees with an assessment (pass or fail) of a completed \
            enrolment of the year.",
    }
    certified {
        zh: "取证人数", en: "Certified", value: Count(Certified), goal: Goal::None,
        headline: false,
        zh_definition: "当年结业的学员中，在该期培训开始之日及以后、报告日期之前取得本职业同级或更高等级计数类证书（默认：职业技能等级证书、专项职业能力证书）的人数；成果截止日（默认次年3月31日）前取得的证书计入当年。",
        definition: "Trained trainees who obtained a certificate of a counting kind (default: \
            skill_level and special_ability) for the occupation of a cohort they completed in the \
            year, at its level or above, issued on or after that enrolment's start and by the \
            report date; certificates obtained by the outcome cut-off (31 March of the year after \
            by default) count for the training year.",
    }
    already_certified {
        zh: "培训前已持证", en: "Already certified", value: Count(AlreadyCertified),
        goal: Goal::None, headline: false,
        zh_definition: "当年结业、未计入取证人数，但在该期培训开始之前已持有本职业同级或更高等级计数类证书的学员。",
        definition: "Trained trainees not counted as certified who held such a certificate \
            before the enrolment began.",
    }
    certification_rate {
        zh: "持证率", en: "Certification rate", value: Rate(Certified, Trained),
        goal: Goal::Rate(|t| Some(f64::from(t.certification_rate_bp) / 100.0)),
        headline: true,
        zh_definition: "取证人数 ÷ 培训人数（%），目标 ≥ 90%。",
        definition: "certified ÷ trained, in percent; target ≥ 90 %.",
    }
    employed {
        zh: "实现就业", en: "Employed", value: Count(Employed),
        goal: Goal::Count(|t| Some(i64::from(t.employed))), headline: true,
        zh_definition: "当年结业、在劳动年龄内，自结业之日至报告日期之间，在计数岗位上（用人单位确认或电话回访、上门走访核实，未被异议，未离岗）连续工作满规定天数（默认30天）且当天收入合计不低于所计入县当时有效的城市低保标准的学员；成果截止日前实现的就业计入当年。",
        definition: "Trained trainees who, between completion and the report date and within \
            working age, were in counting work (confirmed by the employer or verified by a visit \
            or call, not disputed, not left) for at least EMPLOYMENT_MIN_DAYS consecutive days \
            (default 30) with the day's income (the sum over their counting work) at or above \
            the urban minimum living guarantee (低保) in force in the county they are counted \
            in; work achieved by the outcome cut-off counts for the training year.",
    }
    employed_now {
        zh: "在岗人数", en: "Employed now", value: Count(EmployedNow), goal: Goal::None,
        headline: false,
        zh_definition: "报告日期当天在计数岗位上且收入不低于低保标准的当年结业学员。",
        definition: "Trained trainees in counting work with an income at or above the \
            threshold on the report date itself.",
    }
    employment_rate {
        zh: "就业率", en: "Employment rate", value: Rate(Employed, Trained), goal: Goal::None,
        headline: true,
        zh_definition: "实现就业 ÷ 培训人数（%）。",
        definition: "employed ÷ trained, in percent.",
    }
    employed_below_threshold {
        zh: "就业但收入低于低保标准", en: "Employed, income below threshold",
        value: Count(EmployedBelowThreshold), goal: Goal::None, headline: false,
        zh_definition: "结业后在计数岗位上连续工作满规定天数、但从未以不低于低保标准的收入工作满规定天数的学员（不含收入未评估）。",
        definition: "Trained trainees in counting work for the minimum days who never earned \
            at least the threshold for that long (income unassessed apart).",
    }
    income_unassessed {
        zh: "收入未评估", en: "Income not assessed", value: Count(IncomeUnassessed),
        goal: Goal::None, headline: false,
        zh_definition: "结业后在计数岗位上连续工作满规定天数、未计入实现就业，且工作期间曾有所计入县无有效低保标准日子的学员。",
        definition: "Trained trainees in counting work for the minimum days, not employed, with \
            some day of that work when no threshold was in force in their county.",
    }
    retained {
        zh: "稳定就业(6个月以上)", en: "Retained 6+ months", value: Count(Retained),
        goal: Goal::None, headline: false,
        zh_definition: "在岗学员中，在当前岗位的用人单位（家庭、经营项目）近12个月内累计工作满6个月的人数（同一单位的间断可累计）。",
        definition: "Employed-now trainees who, on the report date, have worked at least six \
            months within the last twelve at their current work's employer (household, \
            business); periods there add up across gaps.",
    }
    retention_rate {
        zh: "稳岗率", en: "Retention rate", value: Rate(Retained, EmployedNow),
        goal: Goal::None, headline: false,
        zh_definition: "稳定就业 ÷ 在岗人数（%）。",
        definition: "retained ÷ employed_now, in percent.",
    }
    follow_up_windows_due {
        zh: "应回访期数", en: "Follow-up windows due", value: Count(FollowUpWindowsDue),
        goal: Goal::None, headline: false,
        zh_definition: "当年结业学员的岗位（有异议的除外）自1月1日至报告日期到期的30天回访期数：每个岗位自开始之日起每30天一期，至离岗为止。",
        definition: "The 30-day windows of the trained trainees' placements (disputed ones \
            apart) that fell due from 1 January to the report date: one for every 30 days of a \
            placement, until it ends.",
    }
    follow_up_windows_recorded {
        zh: "已回访期数", en: "Follow-up windows recorded",
        value: Count(FollowUpWindowsRecorded), goal: Goal::None, headline: false,
        zh_definition: "应回访期中，期内有回访记录的期数。",
        definition: "Of the windows due, those with a follow-up dated in them.",
    }
    follow_up_completeness {
        zh: "回访完成率", en: "Follow-up completeness",
        value: Rate(FollowUpWindowsRecorded, FollowUpWindowsDue), goal: Goal::None,
        headline: false,
        zh_definition: "已回访期数 ÷ 应回访期数（%）。",
        definition: "follow_up_windows_recorded ÷ follow_up_windows_due, in percent.",
    }
    follow_ups_overdue {
        zh: "逾期未回访岗位", en: "Follow-ups overdue", value: Count(FollowUpsOverdue),
        goal: Goal::None, headline: false,
        zh_definition: "报告日期当天在岗（未离岗、无异议）且距上次回访（或开始）已超过30天的当年结业学员的岗位数。",
        definition: "Open placements (not disputed) of the trained trainees whose follow-up, \
            due 30 days after the latest one (or the start), is overdue on the report date.",
    }
    intermediate_trained {
        zh: "中级培训", en: "Intermediate trained", value: Count(IntermediateTrained),
        goal: Goal::Count(|t| t.intermediate_trained.map(i64::from)), headline: true,
        zh_definition: "当年结业四级（中级）培训班的学员。",
        definition: "Trainees who completed an L4 (中级) cohort ending in the year.",
    }
    advanced_trained {
        zh: "高级培训", en: "Advanced trained", value: Count(AdvancedTrained),
        goal: Goal::Count(|t| t.advanced_trained.map(i64::from)), headline: true,
        zh_definition: "当年结业三级（高级）及以上培训班的学员。",
        definition: "Trainees who completed an L3 (高级) or higher cohort ending in the year.",
    }
}

/// The dashboard's list of figures, as a JavaScript array literal: `[code, zh, en, rate,
/// headline]` per figure, in the report's order.
pub fn dashboard_list() -> String {
    let entries: Vec<serde_json::Value> = FIGURES
        .iter()
        .map(|f| serde_json::json!([f.code, f.zh, f.en, f.is_rate(), f.headline]))
        .collect();
    serde_json::Value::Array(entries).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_metric_is_counted_by_some_figure_and_codes_are_unique() {
        let mut codes: Vec<&str> = FIGURES.iter().map(|f| f.code).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), FIGURES.len());
        for metric in Metric::ALL {
            assert!(
                FIGURES.iter().any(|f| match f.value {
                    Value::Count(m) => m == *metric,
                    Value::Rate(a, b) => a == *metric || b == *metric,
                }),
                "{} is in no figure",
                metric.as_str()
            );
        }
    }

    #[test]
    fn the_json_fields_follow_the_table() {
        let figures = Figures::from_counts(&HashMap::new(), None, 0.0);
        let json = serde_json::to_value(&figures).unwrap();
        let fields: Vec<&str> = json
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        let mut codes: Vec<&str> = FIGURES.iter().map(|f| f.code).collect();
        let mut fields_sorted = fields.clone();
        fields_sorted.sort_unstable();
        codes.sort_unstable();
        assert_eq!(fields_sorted, codes);
        let rows = figures.rows();
        assert_eq!(rows.len(), FIGURES.len());
        assert_eq!(rows[5].0.csv_name(), "持证率(%)");
    }
}
