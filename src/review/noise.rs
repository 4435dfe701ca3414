//! SPEC §6.1, the noise band: is a month-over-month change bigger than chance?
//!
//! Rates are judged by the pooled two-proportion z-test (Wilson score interval), means by
//! Welch's t-test (Welch–Satterthwaite degrees of freedom, Student-t interval). The
//! decision compares squares exactly: |z| > z_c ⇔ Δ² > z_c² · Var, with Δ and Var exact
//! rationals from the aggregates' counts and sums and z_c the `f64` quantile taken as the
//! exact rational it is. Only the interval is computed in `f64` (it is output).

use num_traits::{Signed, Zero};
use serde::Serialize;
use statrs::distribution::{ContinuousCDF, Normal, StudentsT};

use super::exact::{self, Exact};
use super::metrics::{self, Counts, Formula, Measure, MetricId};
use crate::aggregates::MonthAggregates;

/// Whether a metric's month-over-month change is bigger than chance (`metrics.<id>.significance`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Significance {
    /// The test rejects "no change" at the configured level.
    Significant,
    /// The change is within what chance alone would produce.
    WithinNoise,
    /// The metric has no test (FRT percentiles, cost), or a month lacks the data.
    NotAssessed,
}

/// The report month's value as a two-sided confidence interval (`metrics.<id>.interval`),
/// in the metric's unit.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Interval {
    pub low: f64,
    pub high: f64,
    /// 1 − α, e.g. 0.95.
    pub level: f64,
}

/// The noise band of one metric: its significance, interval and n.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Assessment {
    pub significance: Significance,
    pub interval: Option<Interval>,
    /// The report month's n; `None` when 0 or when the metric has no test.
    pub sample_size: Option<i64>,
}

impl Assessment {
    /// A metric without a test.
    pub const NO_TEST: Assessment = Assessment {
        significance: Significance::NotAssessed,
        interval: None,
        sample_size: None,
    };
}

/// `count` of `n` (a rate's numerator and denominator).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Proportion {
    pub count: i64,
    pub n: i64,
}

/// n values with their exact sum and sum of squares, in the metric's unit.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    pub n: i64,
    pub sum: Exact,
    pub sum_squares: Exact,
}

impl Sample {
    fn mean(&self) -> Exact {
        &self.sum / exact::integer(self.n)
    }

    /// s² = (Σx² − (Σx)²/n)/(n − 1), exact; `None` for n < 2, or when the sums cannot
    /// come from real values (a negative variance: aggregates without sums of squares).
    fn variance(&self) -> Option<Exact> {
        if self.n < 2 {
            return None;
        }
        let n = exact::integer(self.n);
        let v = (&self.sum_squares - &self.sum * &self.sum / &n) / (n - exact::integer(1));
        (!v.is_negative()).then_some(v)
    }
}

/// The noise band of `id` for the report month against the previous one (`None` when the
/// aggregates hold no previous month).
pub fn assess(
    id: MetricId,
    current: &MonthAggregates,
    previous: Option<&MonthAggregates>,
    alpha: f64,
) -> Assessment {
    let formula = id.def().formula;
    if let Some(now) = proportion_of(formula, current) {
        let before = previous.and_then(|p| proportion_of(formula, p));
        rate(now, before, alpha)
    } else if let Some(now) = sample_of(formula, current) {
        let before = previous.and_then(|p| sample_of(formula, p));
        mean(&now, before.as_ref(), alpha)
    } else {
        Assessment::NO_TEST
    }
}

/// The metric's counts as a proportion, if its formula is a share (the metric table).
fn proportion_of(formula: Formula, m: &MonthAggregates) -> Option<Proportion> {
    let (count, n) = match formula {
        Formula::ShareOfConversations(tally) => (m.tally(tally), m.conversations()),
        Formula::ShareOf(population) => metrics::population(population, m),
        _ => return None,
    };
    Some(Proportion { count, n })
}

/// The metric's counts as a sample, if its formula is a mean (the metric table): n and Σ
/// as the value reads them, Σ of squares here (only the test needs it).
fn sample_of(formula: Formula, m: &MonthAggregates) -> Option<Sample> {
    let Formula::Mean(measure) = formula else {
        return None;
    };
    let (n, sum) = m.mean_parts(measure);
    let c = &m.conversations;
    let sum_squares = match measure {
        Measure::CsatAi => exact::integer(c.csat_ai.sum_squares),
        Measure::CsatHuman => exact::integer(c.csat_human.sum_squares),
        Measure::Sentiment => exact::big_decimal(&c.sentiment.sum_squares),
        // In seconds², the square of the metric's unit: µs² / 10¹².
        Measure::HandleTimeSeconds => {
            let micro = exact::integer(1_000_000);
            exact::big_decimal(&c.handle_time.sum_squares_micros) / (&micro * &micro)
        }
    };
    Some(Sample {
        n,
        sum,
        sum_squares,
    })
}

/// z₁₋α/₂, the two-sided critical value of the standard normal: 1.959963984540054 for
/// α = 0.05, to within statrs' accuracy (it returns the next double up, 1.9599639845400538).
pub fn normal_critical(alpha: f64) -> f64 {
    Normal::standard().inverse_cdf(1.0 - alpha / 2.0)
}

/// t₁₋α/₂ with `df` (real-valued) degrees of freedom; `None` unless df > 0.
pub fn student_critical(alpha: f64, df: f64) -> Option<f64> {
    let t = StudentsT::new(0.0, 1.0, df).ok()?;
    Some(t.inverse_cdf(1.0 - alpha / 2.0))
}

/// Δ² > c² · var, exactly (|Δ| / √var > c without a square root).
fn exceeds(delta: &Exact, variance: &Exact, critical: f64) -> bool {
    let Some(c) = exact::float(critical) else {
        return false;
    };
    delta * delta > &c * &c * variance
}

/// SPEC §6.1 for a rate: pooled two-proportion z-test, Wilson interval.
pub fn rate(current: Proportion, previous: Option<Proportion>, alpha: f64) -> Assessment {
    let z = normal_critical(alpha);
    let interval = (current.n > 0).then(|| wilson(current, z, 1.0 - alpha));
    let sample_size = (current.n > 0).then_some(current.n);
    let significance = match previous {
        Some(previous) if current.n > 0 && previous.n > 0 => {
            let (Some(p1), Some(p0)) = (
                exact::ratio(current.count, current.n),
                exact::ratio(previous.count, previous.n),
            ) else {
                unreachable!("both denominators are positive")
            };
            let pooled = exact::ratio(current.count + previous.count, current.n + previous.n)
                .expect("positive denominator");
            let spread = &pooled * (exact::integer(1) - &pooled);
            if spread.is_zero() {
                Significance::WithinNoise
            } else {
                let variance = spread
                    * (exact::ratio(1, current.n).expect("n > 0")
                        + exact::ratio(1, previous.n).expect("n > 0"));
                if exceeds(&(p1 - p0), &variance, z) {
                    Significance::Significant
                } else {
                    Significance::WithinNoise
                }
            }
        }
        _ => Significance::NotAssessed,
    };
    Assessment {
        significance,
        interval,
        sample_size,
    }
}

/// The Wilson score interval of count/n with critical value z (n > 0).
fn wilson(p: Proportion, z: f64, level: f64) -> Interval {
    let n = p.n as f64;
    let phat = p.count as f64 / n;
    let z2 = z * z;
    let denominator = 1.0 + z2 / n;
    let centre = (phat + z2 / (2.0 * n)) / denominator;
    let half = z / denominator * (phat * (1.0 - phat) / n + z2 / (4.0 * n * n)).sqrt();
    // At p̂ = 0 (or 1) the bound is exactly 0 (or 1); in floats it can miss by an ulp.
    Interval {
        low: if p.count == 0 {
            0.0
        } else {
            (centre - half).max(0.0)
        },
        high: if p.count == p.n {
            1.0
        } else {
            (centre + half).min(1.0)
        },
        level,
    }
}

/// SPEC §6.1 for a mean: Welch's t-test, Student-t interval.
pub fn mean(current: &Sample, previous: Option<&Sample>, alpha: f64) -> Assessment {
    let v1 = current.variance();
    let interval = v1.as_ref().and_then(|v| t_interval(current, v, alpha));
    let sample_size = (current.n > 0).then_some(current.n);
    let significance = match (v1, previous.and_then(|p| p.variance().map(|v0| (p, v0)))) {
        (Some(v1), Some((previous, v0))) => {
            let delta = current.mean() - previous.mean();
            if v1.is_zero() && v0.is_zero() {
                if delta.is_zero() {
                    Significance::WithinNoise
                } else {
                    Significance::Significant
                }
            } else {
                let a = v1 / exact::integer(current.n);
                let b = v0 / exact::integer(previous.n);
                let variance = &a + &b;
                // Welch–Satterthwaite, real-valued.
                let df = &variance * &variance
                    / (&a * &a / exact::integer(current.n - 1)
                        + &b * &b / exact::integer(previous.n - 1));
                match student_critical(alpha, exact::to_f64(&df)) {
                    Some(t) if exceeds(&delta, &variance, t) => Significance::Significant,
                    Some(_) => Significance::WithinNoise,
                    None => Significance::NotAssessed,
                }
            }
        }
        _ => Significance::NotAssessed,
    };
    Assessment {
        significance,
        interval,
        sample_size,
    }
}

/// mean ± t₁₋α/₂,ₙ₋₁ · s/√n (n ≥ 2).
fn t_interval(sample: &Sample, variance: &Exact, alpha: f64) -> Option<Interval> {
    let t = student_critical(alpha, (sample.n - 1) as f64)?;
    let mean = exact::to_f64(&sample.mean());
    let half = t * (exact::to_f64(variance) / sample.n as f64).sqrt();
    Some(Interval {
        low: mean - half,
        high: mean + half,
        level: 1.0 - alpha,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(count: i64, n: i64) -> Proportion {
        Proportion { count, n }
    }

    fn sample(values: &[i64]) -> Sample {
        Sample {
            n: values.len() as i64,
            sum: exact::integer(values.iter().sum()),
            sum_squares: exact::integer(values.iter().map(|v| v * v).sum()),
        }
    }

    #[test]
    fn the_normal_critical_value_at_five_percent_is_the_spec_s_to_the_last_digits() {
        let z = normal_critical(0.05);
        assert!((z - 1.959963984540054).abs() <= 2.0 * f64::EPSILON, "{z}");
        let t = student_critical(0.05, 4.0).unwrap();
        assert!((t - 2.776_445_105_197_799).abs() < 1e-14, "{t}");
    }

    #[test]
    fn a_z_a_hair_either_side_of_the_critical_value_is_decided_exactly() {
        // z² computed exactly with fractions against z_c² = 3.8414588206941…:
        // 623/1152 vs 576/1152 gives z² = 3.8414636631… (z = 1.9599652, above z_c);
        // 121/295 vs 98/295 gives z² = 3.8414011249… (z = 1.9599493, below).
        assert_eq!(
            rate(p(623, 1152), Some(p(576, 1152)), 0.05).significance,
            Significance::Significant
        );
        assert_eq!(
            rate(p(121, 295), Some(p(98, 295)), 0.05).significance,
            Significance::WithinNoise
        );
        // Symmetric: a fall is judged like a rise.
        assert_eq!(
            rate(p(576, 1152), Some(p(623, 1152)), 0.05).significance,
            Significance::Significant
        );
    }

    #[test]
    fn no_spread_in_the_pooled_rate_is_within_noise() {
        for (a, b) in [(p(0, 10), p(0, 40)), (p(10, 10), p(40, 40))] {
            let assessed = rate(a, Some(b), 0.05);
            assert_eq!(assessed.significance, Significance::WithinNoise);
            assert_eq!(assessed.sample_size, Some(10));
        }
    }

    #[test]
    fn the_wilson_interval_exists_at_zero_and_one() {
        let zero = rate(p(0, 20), None, 0.05).interval.unwrap();
        assert_eq!(zero.low, 0.0);
        assert!((zero.high - 0.161_125_6).abs() < 1e-6, "{zero:?}");
        let one = rate(p(20, 20), None, 0.05).interval.unwrap();
        assert_eq!(one.high, 1.0);
        assert!((one.low - 0.838_874_4).abs() < 1e-6, "{one:?}");
        assert_eq!(one.level, 0.95);
    }

    #[test]
    fn a_rate_with_an_empty_month_is_not_assessed() {
        let no_previous = rate(p(3, 10), Some(p(0, 0)), 0.05);
        assert_eq!(no_previous.significance, Significance::NotAssessed);
        assert!(no_previous.interval.is_some());
        assert_eq!(no_previous.sample_size, Some(10));
        let empty = rate(p(0, 0), Some(p(3, 10)), 0.05);
        assert_eq!(empty, Assessment::NO_TEST);
    }

    #[test]
    fn welch_t_decides_with_real_valued_degrees_of_freedom() {
        // [2,4,…,14] vs [1,…,5]: t = 2.8098, df = 8.0366 (Welch–Satterthwaite, not rounded);
        // t₀.₉₇₅ ≈ 2.30 there (significant), t₀.₉₉ ≈ 2.89 (within noise at α = 0.02).
        let a = sample(&[2, 4, 6, 8, 10, 12, 14]);
        let b = sample(&[1, 2, 3, 4, 5]);
        assert_eq!(
            mean(&a, Some(&b), 0.05).significance,
            Significance::Significant
        );
        assert_eq!(
            mean(&a, Some(&b), 0.02).significance,
            Significance::WithinNoise
        );
    }

    #[test]
    fn the_t_interval_uses_n_minus_one_degrees_of_freedom() {
        // Mean 3, s = √2.5, n = 5, t(0.975, 4) = 2.7764451: 3 ± 1.9632432.
        let i = mean(&sample(&[1, 2, 3, 4, 5]), None, 0.05)
            .interval
            .unwrap();
        assert!((i.low - 1.036_756_8).abs() < 1e-6, "{i:?}");
        assert!((i.high - 4.963_243_2).abs() < 1e-6, "{i:?}");
    }

    #[test]
    fn fewer_than_two_values_is_not_assessed_and_has_no_interval() {
        let one = mean(&sample(&[4]), Some(&sample(&[1, 5])), 0.05);
        assert_eq!(one.significance, Significance::NotAssessed);
        assert_eq!(one.interval, None);
        assert_eq!(one.sample_size, Some(1));
        let previous_one = mean(&sample(&[1, 5]), Some(&sample(&[4])), 0.05);
        assert_eq!(previous_one.significance, Significance::NotAssessed);
        assert!(previous_one.interval.is_some());
        assert_eq!(mean(&sample(&[]), None, 0.05).sample_size, None);
    }

    #[test]
    fn with_both_variances_zero_only_a_different_mean_is_significant() {
        let fours = sample(&[4, 4, 4]);
        assert_eq!(
            mean(&fours, Some(&sample(&[5, 5])), 0.05).significance,
            Significance::Significant
        );
        assert_eq!(
            mean(&fours, Some(&sample(&[4, 4, 4, 4])), 0.05).significance,
            Significance::WithinNoise
        );
        let i = mean(&fours, None, 0.05).interval.unwrap();
        assert_eq!((i.low, i.high), (4.0, 4.0));
    }

    #[test]
    fn sums_that_no_real_values_give_are_not_assessed() {
        // Σx² below (Σx)²/n: aggregates without sums of squares.
        let broken = Sample {
            n: 3,
            sum: exact::integer(12),
            sum_squares: exact::integer(0),
        };
        let assessed = mean(&broken, Some(&sample(&[1, 2, 3])), 0.05);
        assert_eq!(assessed.significance, Significance::NotAssessed);
        assert_eq!(assessed.interval, None);
    }
}
