//! Status against target, month-over-month deltas and better/worse (SPEC §3).

use num_traits::{Signed, Zero};
use serde::Serialize;

use super::exact::{self, Exact};
use super::metrics::Direction;
use super::settings::Target;

/// Whether a metric met its target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Met,
    Missed,
    NoData,
    /// The configuration declares the metric's relation absent (`[contract]`).
    NotMeasured,
}

/// How the value moved since the previous month, judged by the metric's direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Movement {
    Better,
    Worse,
    /// Unchanged, or changed by less than the metric's tolerance.
    Flat,
}

/// The status of a value against its target.
///
/// A threshold compares strictly and ignores the previous month; a range is inclusive;
/// "lower than previous month" is met only when the value fell by at least the
/// tolerance (and by something when the tolerance is 0).
pub fn status(
    target: &Target,
    value: Option<&Exact>,
    previous: Option<&Exact>,
    tolerance: &Exact,
) -> Status {
    let Some(v) = value else {
        return Status::NoData;
    };
    let met = match target {
        Target::Above(t) => v > t,
        Target::Below(t) => v < t,
        Target::Range { min, max } => min <= v && v <= max,
        Target::LowerThanPrevious => {
            let Some(p) = previous else {
                return Status::NoData;
            };
            let fall = p - v;
            fall.is_positive() && fall >= *tolerance
        }
    };
    if met {
        Status::Met
    } else {
        Status::Missed
    }
}

/// Month-over-month change: `(delta_abs, delta_rel)`; `delta_rel` is `None` when the
/// previous value is 0.
pub fn deltas(value: Option<&Exact>, previous: Option<&Exact>) -> (Option<Exact>, Option<Exact>) {
    match (value, previous) {
        (Some(v), Some(p)) => {
            let abs = v - p;
            let rel = exact::quotient(abs.clone(), exact::abs(p));
            (Some(abs), rel)
        }
        _ => (None, None),
    }
}

/// Better, worse or flat, by the metric's direction; `None` when either month has no value.
///
/// For a range target (deflection) a move is better when it brings the value closer to
/// the range or keeps it inside, worse when it moves it further out.
pub fn movement(
    direction: Direction,
    target: &Target,
    value: Option<&Exact>,
    previous: Option<&Exact>,
    tolerance: &Exact,
) -> Option<Movement> {
    let (v, p) = (value?, previous?);
    let delta = v - p;
    if delta.is_zero() || exact::abs(&delta) < *tolerance {
        return Some(Movement::Flat);
    }
    let rising = delta.is_positive();
    Some(match direction {
        Direction::HigherIsBetter if rising => Movement::Better,
        Direction::HigherIsBetter => Movement::Worse,
        Direction::LowerIsBetter if rising => Movement::Worse,
        Direction::LowerIsBetter => Movement::Better,
        Direction::CloserToRange => {
            let Target::Range { min, max } = target else {
                // A range metric configured with a threshold target: judge by that target.
                return movement(
                    threshold_direction(target),
                    target,
                    value,
                    previous,
                    tolerance,
                );
            };
            let (dv, dp) = (
                distance_to_range(v, min, max),
                distance_to_range(p, min, max),
            );
            // Staying inside the range counts as better (SPEC §3), as does getting closer.
            if (dv.is_zero() && dp.is_zero()) || dv < dp {
                Movement::Better
            } else if dv > dp {
                Movement::Worse
            } else {
                Movement::Flat
            }
        }
    })
}

fn threshold_direction(target: &Target) -> Direction {
    match target {
        Target::Above(_) => Direction::HigherIsBetter,
        _ => Direction::LowerIsBetter,
    }
}

/// How far a value lies outside `[min, max]` (0 inside).
fn distance_to_range(x: &Exact, min: &Exact, max: &Exact) -> Exact {
    if x < min {
        min - x
    } else if x > max {
        x - max
    } else {
        exact::integer(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::review::exact::ratio;

    fn r(n: i64, d: i64) -> Exact {
        ratio(n, d).unwrap()
    }

    fn zero() -> Exact {
        exact::integer(0)
    }

    #[test]
    fn threshold_is_strict_and_ignores_previous() {
        let above = Target::Above(r(95, 100));
        assert_eq!(
            status(&above, Some(&r(19, 20)), None, &zero()),
            Status::Missed
        );
        assert_eq!(
            status(&above, Some(&r(96, 100)), None, &zero()),
            Status::Met
        );
        let below = Target::Below(r(10, 100));
        assert_eq!(
            status(&below, Some(&r(1, 10)), Some(&r(1, 2)), &zero()),
            Status::Missed
        );
        assert_eq!(
            status(&below, None, Some(&r(1, 2)), &zero()),
            Status::NoData
        );
    }

    #[test]
    fn range_bounds_are_inclusive() {
        let range = Target::Range {
            min: r(45, 100),
            max: r(70, 100),
        };
        assert_eq!(status(&range, Some(&r(9, 20)), None, &zero()), Status::Met);
        assert_eq!(status(&range, Some(&r(7, 10)), None, &zero()), Status::Met);
        assert_eq!(
            status(&range, Some(&r(701, 1000)), None, &zero()),
            Status::Missed
        );
        assert_eq!(
            status(&range, Some(&r(449, 1000)), None, &zero()),
            Status::Missed
        );
    }

    #[test]
    fn lower_than_previous_needs_both_months_and_respects_tolerance() {
        let t = Target::LowerThanPrevious;
        assert_eq!(status(&t, Some(&r(1, 1)), None, &zero()), Status::NoData);
        assert_eq!(status(&t, None, Some(&r(1, 1)), &zero()), Status::NoData);
        assert_eq!(
            status(&t, Some(&r(1, 1)), Some(&r(1, 1)), &zero()),
            Status::Missed
        );
        assert_eq!(
            status(&t, Some(&r(99, 100)), Some(&r(1, 1)), &zero()),
            Status::Met
        );
        assert_eq!(
            status(&t, Some(&r(99, 100)), Some(&r(1, 1)), &r(2, 100)),
            Status::Missed
        );
        assert_eq!(
            status(&t, Some(&r(98, 100)), Some(&r(1, 1)), &r(2, 100)),
            Status::Met
        );
    }

    #[test]
    fn deltas_are_exact_and_relative_to_the_absolute_previous() {
        let (abs, rel) = deltas(Some(&r(9, 20)), Some(&r(7, 20)));
        assert_eq!(abs.unwrap(), r(1, 10));
        assert_eq!(rel.unwrap(), r(2, 7));
        let (abs, rel) = deltas(Some(&r(1, 1)), Some(&zero()));
        assert_eq!(abs.unwrap(), r(1, 1));
        assert!(rel.is_none());
        let (_, rel) = deltas(Some(&r(-1, 1)), Some(&r(-2, 1)));
        assert_eq!(rel.unwrap(), r(1, 2));
        assert_eq!(deltas(None, Some(&r(1, 2))), (None, None));
    }

    #[test]
    fn deflection_moves_are_judged_against_the_range() {
        let range = Target::Range {
            min: r(45, 100),
            max: r(70, 100),
        };
        let m = |v: Exact, p: Exact| {
            movement(
                Direction::CloserToRange,
                &range,
                Some(&v),
                Some(&p),
                &zero(),
            )
        };
        assert_eq!(
            m(r(40, 100), r(30, 100)),
            Some(Movement::Better),
            "rising towards the range from below"
        );
        assert_eq!(
            m(r(30, 100), r(40, 100)),
            Some(Movement::Worse),
            "falling away below"
        );
        assert_eq!(
            m(r(80, 100), r(75, 100)),
            Some(Movement::Worse),
            "rising further above"
        );
        assert_eq!(
            m(r(72, 100), r(80, 100)),
            Some(Movement::Better),
            "falling towards it from above"
        );
        assert_eq!(
            m(r(60, 100), r(50, 100)),
            Some(Movement::Better),
            "staying inside"
        );
        assert_eq!(
            m(r(75, 100), r(40, 100)),
            Some(Movement::Flat),
            "same distance, other side"
        );
        assert_eq!(m(r(50, 100), r(50, 100)), Some(Movement::Flat));
        assert_eq!(
            movement(
                Direction::CloserToRange,
                &range,
                None,
                Some(&r(1, 2)),
                &zero()
            ),
            None
        );
    }

    #[test]
    fn lower_is_better_and_tolerance_flattens_small_moves() {
        let t = Target::LowerThanPrevious;
        let m = |v: Exact, p: Exact, tol: Exact| {
            movement(Direction::LowerIsBetter, &t, Some(&v), Some(&p), &tol)
        };
        assert_eq!(m(r(1, 1), r(2, 1), zero()), Some(Movement::Better));
        assert_eq!(m(r(2, 1), r(1, 1), zero()), Some(Movement::Worse));
        assert_eq!(m(r(99, 100), r(1, 1), r(2, 100)), Some(Movement::Flat));
    }
}
