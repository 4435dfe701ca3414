//! Exact arithmetic for ratios, thresholds and month-over-month comparisons.
//!
//! SPEC §3 asks that every comparison with a threshold and every "rose"/"fell" be
//! decided exactly, so 9/20 − 7/20 is exactly 0.10. Values are carried as arbitrary
//! precision rationals built from the exact integer counts and `numeric` sums of the
//! aggregates, and turned into `f64` only for output.

use std::str::FromStr;

use bigdecimal::BigDecimal;
use num_bigint::BigInt;
use num_rational::BigRational;
use num_traits::{Signed, ToPrimitive, Zero};
use rust_decimal::Decimal;

/// An exact rational number.
pub type Exact = BigRational;

/// `numerator / denominator`, or `None` ("no data") when the denominator is 0.
pub fn ratio(numerator: i64, denominator: i64) -> Option<Exact> {
    (denominator != 0).then(|| Exact::new(BigInt::from(numerator), BigInt::from(denominator)))
}

/// An exact quotient of two exact values, `None` when the denominator is 0.
pub fn quotient(numerator: Exact, denominator: Exact) -> Option<Exact> {
    (!denominator.is_zero()).then(|| numerator / denominator)
}

/// An integer as an exact value.
pub fn integer(n: i64) -> Exact {
    Exact::from_integer(BigInt::from(n))
}

/// A `numeric` sum as an exact value.
pub fn decimal(d: Decimal) -> Exact {
    let mantissa = BigInt::from(d.mantissa());
    let scale = BigInt::from(10u8).pow(d.scale());
    Exact::new(mantissa, scale)
}

/// An arbitrary-precision sum (a sum of squares) as an exact value.
pub fn big_decimal(d: &BigDecimal) -> Exact {
    let (mantissa, exponent) = d.as_bigint_and_exponent();
    let ten = BigInt::from(10u8);
    if exponent >= 0 {
        Exact::new(mantissa, ten.pow(exponent.unsigned_abs() as u32))
    } else {
        Exact::from_integer(mantissa * ten.pow(exponent.unsigned_abs() as u32))
    }
}

/// A float that is already exact as stored (a `float8` percentile from the database).
pub fn float(x: f64) -> Option<Exact> {
    Exact::from_float(x)
}

/// A threshold written in decimal by a person (config file or default), exactly as
/// written: `0.95` is 95/100, not the nearest binary double. `f64`'s `Display` prints
/// the shortest string that round-trips, which is the decimal the person wrote.
pub fn threshold(x: f64) -> Option<Exact> {
    if !x.is_finite() {
        return None;
    }
    parse_decimal(&x.to_string())
}

/// A decimal string such as `0.95`, `3` or `-0.1` as an exact value.
pub fn parse_decimal(s: &str) -> Option<Exact> {
    Decimal::from_str(s.trim()).ok().map(decimal)
}

/// The nearest `f64`, for output. Never NaN or infinite for a finite rational.
pub fn to_f64(x: &Exact) -> f64 {
    x.to_f64().filter(|v| v.is_finite()).unwrap_or(0.0)
}

/// `|x|`.
pub fn abs(x: &Exact) -> Exact {
    x.abs()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nine_twentieths_minus_seven_twentieths_is_exactly_a_tenth() {
        let d = ratio(9, 20).unwrap() - ratio(7, 20).unwrap();
        assert_eq!(d, threshold(0.10).unwrap());
        // What it decides: a fall of exactly the tolerance meets "lower than previous
        // month" (in f64, 0.45 - 0.35 is just under 0.10, and the target would be missed).
        let status = crate::review::status::status(
            &crate::review::target::Target::LowerThanPrevious,
            ratio(7, 20).as_ref(),
            ratio(9, 20).as_ref(),
            &threshold(0.10).unwrap(),
        );
        assert_eq!(status, crate::review::status::Status::Met);
    }

    #[test]
    fn zero_denominator_is_no_data() {
        assert!(ratio(3, 0).is_none());
        assert!(quotient(integer(1), integer(0)).is_none());
    }

    #[test]
    fn decimal_and_threshold_are_exact() {
        assert_eq!(
            decimal(Decimal::from_str("12.345").unwrap()),
            ratio(12345, 1000).unwrap()
        );
        assert_eq!(threshold(0.95).unwrap(), ratio(95, 100).unwrap());
        assert_eq!(threshold(3.0).unwrap(), integer(3));
        assert!(threshold(f64::NAN).is_none());
        assert_eq!(to_f64(&ratio(1, 3).unwrap()), 1.0 / 3.0);
    }

    #[test]
    fn big_decimals_are_exact_whatever_their_scale() {
        let big = |s: &str| big_decimal(&BigDecimal::from_str(s).unwrap());
        assert_eq!(
            big("0.015241383936"),
            ratio(15_241_383_936, 1_000_000_000_000).unwrap()
        );
        assert_eq!(big("1E+3"), integer(1000));
        let huge = big("340282366920938463463374607431768211457");
        assert_eq!(huge, Exact::from_integer(BigInt::from(u128::MAX) + 2));
    }
}
