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

/// What `on_track` means, answered with every report beside the figures' definitions.
const ON_TRACK: &str = "Counts: value ≥ target × the share of the programme year elapsed (1 \
    January to the end of training on 30 November). Rates: value ≥ the target rate. The report \
    date is today for the current year and 31 December for a past one.";

/// Declares the figures: the `Figures` and `Definitions` bodies, `DEFINITIONS` and `FIGURES`.
macro_rules! figures {
    ($(
        $code:ident {
            zh: $zh:literal,
            en: $en:literal,
            value: $kind:ident($($metric:ident),+),
            goal: $goal:expr,
            headline: $headline:literal,
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

        /// What each figure counts, by its code, as answered with every report.
        #[derive(Debug, Clone, Serialize, ToSchema)]
        pub struct Definitions {
            $(
                #[doc = $en]
                pub $code: &'static str,
            )+
            /// Definition of `on_track`.
            pub on_track: &'static str,
        }

        /// The definitions, the same in every report.
        pub const DEFINITIONS: Definitions = Definitions {
            $($code: $definition,)+
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
        definition: "Trainees (each once) with an enrolment completed in a cohort whose end date \
            is in the year, counted from the day of completion (a completion recorded after the \
            year counts on 31 December).",
    }
    dropped {
        zh: "中途退出", en: "Dropped out", value: Count(Dropped), goal: Goal::None,
        headline: false,
        definition: "Trainees who dropped out of a cohort ending in the year and completed none \
            of the year's cohorts; never removed from the count silently.",
    }
    assessed {
        zh: "参加评价", en: "Assessed", value: Count(Assessed), goal: Goal::None,
        headline: false,
        definition: "Trained trainees with an assessment (pass or fail) of a completed \
            enrolment of the year.",
    }
    certified {
        zh: "取得证书", en: "Certified", value: Count(Certified), goal: Goal::None,
        headline: false,
        definition: "Trained trainees who hold a certificate of a counting kind \
            (CERTIFIED_KINDS; default skill_level and special_ability) for the occupation of a \
            cohort they completed in the year, at its level or above, issued by the report \
            date.",
    }
    certification_rate {
        zh: "持证率", en: "Certification rate", value: Rate(Certified, Trained),
        goal: Goal::Rate(|t| Some(f64::from(t.certification_rate_bp) / 100.0)),
        headline: true,
        definition: "certified ÷ trained, in percent; target ≥ 90 %.",
    }
    employed {
        zh: "就业人数", en: "Employed", value: Count(Employed),
        goal: Goal::Count(|t| Some(i64::from(t.employed))), headline: true,
        definition: "Trained trainees in working age with a placement confirmed by the \
            employer or verified by a follow-up, still working there on the report date (not \
            ended, the latest follow-up found them there), whose latest known income (the \
            latest follow-up that gives one, else the placement wage) is at least the urban \
            minimum living guarantee (低保) in force for their county that day; each once.",
    }
    employed_below_threshold {
        zh: "就业但收入低于低保标准", en: "Employed, income below threshold",
        value: Count(EmployedBelowThreshold), goal: Goal::None, headline: false,
        definition: "Trained trainees in such work whose best income is below the threshold \
            in force.",
    }
    income_unassessed {
        zh: "收入未评估", en: "Income not assessed", value: Count(IncomeUnassessed),
        goal: Goal::None, headline: false,
        definition: "Trained trainees in such work where no threshold is in force for their \
            county on the report date: not counted as employed.",
    }
    retained {
        zh: "稳定就业(6个月以上)", en: "Retained 6+ months", value: Count(Retained),
        goal: Goal::None, headline: false,
        definition: "Employed trainees who, on the report date, have worked at least six \
            months within the last twelve at one employer (placements at the same employer add \
            up).",
    }
    retention_rate {
        zh: "稳岗率", en: "Retention rate", value: Rate(Retained, Employed), goal: Goal::None,
        headline: false,
        definition: "retained ÷ employed, in percent.",
    }
    follow_up_due {
        zh: "应回访", en: "Follow-ups due", value: Count(FollowUpDue), goal: Goal::None,
        headline: false,
        definition: "Trained trainees with a placement (not disputed) that owes at least one \
            follow-up by the report date: one is owed for every 30 days of a placement, until \
            it ends.",
    }
    follow_up_recorded {
        zh: "已回访", en: "Follow-ups recorded", value: Count(FollowUpRecorded),
        goal: Goal::None, headline: false,
        definition: "Of follow_up_due, those with a follow-up recorded in every 30-day window \
            owed.",
    }
    follow_up_completeness {
        zh: "回访完成率", en: "Follow-up completeness",
        value: Rate(FollowUpRecorded, FollowUpDue), goal: Goal::None, headline: false,
        definition: "follow_up_recorded ÷ follow_up_due, in percent.",
    }
    intermediate_trained {
        zh: "中级培训", en: "Intermediate trained", value: Count(IntermediateTrained),
        goal: Goal::Count(|t| t.intermediate_trained.map(i64::from)), headline: true,
        definition: "Trainees who completed an L4 (中级) cohort ending in the year.",
    }
    advanced_trained {
        zh: "高级培训", en: "Advanced trained", value: Count(AdvancedTrained),
        goal: Goal::Count(|t| t.advanced_trained.map(i64::from)), headline: true,
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
        assert_eq!(rows[4].0.csv_name(), "持证率(%)");
    }
}
