//! The two places where CPython's float behaviour is observable in VADER's
//! output: `round(x, n)` on the way out and the builtin `sum` over the
//! per-token valences.

/// A per-token valence with its Python type. vaderSentiment appends the int
/// `0` for neutral tokens and some idioms carry int valences (`3`, `-2`);
/// CPython's `sum` adds ints differently from floats, so the tag is needed
/// to reproduce its result bit for bit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct PyNum {
    pub value: f64,
    pub is_int: bool,
}

impl PyNum {
    /// The int `0`.
    pub const INT_ZERO: PyNum = PyNum {
        value: 0.0,
        is_int: true,
    };

    #[inline]
    pub fn float(value: f64) -> PyNum {
        PyNum {
            value,
            is_int: false,
        }
    }
}

/// `sum(values)` as CPython 3.12 and 3.13 compute it (the versions the
/// vectors in `tests/data` were generated with):
///
/// - ints are summed exactly while every item so far is an int;
/// - the first float switches to a float accumulator (`int + float`);
/// - further floats are added with Neumaier compensation, further ints
///   plainly (`f_result += (double)value`, uncompensated);
/// - the compensation is added once at the end if non-zero and finite.
///
/// CPython <= 3.11 adds every float plainly and 3.14 compensates ints too;
/// either differs from this in the last bit of the sum at most, which only
/// shows in the rounded output when the compound lands on a rounding tie.
pub(super) fn py_sum(values: &[PyNum]) -> f64 {
    let mut items = values.iter();
    // Valences are small (|v| < 10), so an exact f64 stands in for the C long.
    let mut int_sum = 0.0_f64;
    let (mut total, mut comp) = loop {
        match items.next() {
            None => return int_sum,
            Some(v) if v.is_int => int_sum += v.value,
            Some(v) => break (int_sum + v.value, 0.0_f64),
        }
    };
    for v in items {
        if v.is_int {
            total += v.value;
            continue;
        }
        let x = v.value;
        let t = total + x;
        if total.abs() >= x.abs() {
            comp += (total - t) + x;
        } else {
            comp += (x - t) + total;
        }
        total = t;
    }
    if comp != 0.0 && comp.is_finite() {
        total += comp;
    }
    total
}

/// Python's `round(x, digits)` for `digits` in 0..=15: the exact binary value
/// of `x` rounded to `digits` decimals, ties to even, returned as the nearest
/// double. Not `(x * 10^n).round() / 10^n`, whose intermediate product is
/// itself rounded and can land on the wrong side of a tie.
///
/// Exactness: `x = m * 2^e` with `m < 2^53`; `m * 10^digits < 2^103` fits a
/// u128, so the scaled value is an exact rational `N / 2^-e` and its
/// integer rounding is done on integers. The final `q / 10^digits` is one
/// IEEE division of two exactly representable values (`q < 2^53` for the
/// |x| <= 2^53 / 10^digits this is used on), hence correctly rounded, which
/// is what CPython's string round trip yields.
pub(super) fn py_round(x: f64, digits: u32) -> f64 {
    if !x.is_finite() || x == 0.0 {
        return x;
    }
    let bits = x.to_bits();
    let biased = ((bits >> 52) & 0x7ff) as i32;
    let frac = bits & ((1_u64 << 52) - 1);
    // x = mantissa * 2^exp, exactly.
    let (mantissa, exp) = if biased == 0 {
        (frac, -1074)
    } else {
        (frac | (1_u64 << 52), biased - 1075)
    };
    if exp >= 0 {
        // Already an integer; nothing below the decimal point to round.
        return x;
    }
    let scale = 10_u128.pow(digits.min(15));
    let scaled = u128::from(mantissa) * scale;
    let shift = exp.unsigned_abs();
    let q = if shift >= 128 {
        // scaled < 2^103 is far below half of 2^shift: rounds to zero.
        0
    } else {
        let q = scaled >> shift;
        let rem = scaled & ((1_u128 << shift) - 1);
        let half = 1_u128 << (shift - 1);
        if rem > half || (rem == half && q & 1 == 1) {
            q + 1
        } else {
            q
        }
    };
    let magnitude = q as f64 / scale as f64;
    magnitude.copysign(x)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_matches_cpython_on_ties_and_near_ties() {
        // Values and results from CPython's round().
        assert_eq!(py_round(0.0625, 3), 0.062); // exact tie, to even
        assert_eq!(py_round(0.0635, 3), 0.064); // binary value above the tie
        assert_eq!(py_round(2.675, 2), 2.67); // binary value below the tie
        assert_eq!(py_round(0.25, 1), 0.2);
        assert_eq!(py_round(0.75, 1), 0.8);
        assert_eq!(py_round(0.000_05, 4), 0.0001);
        assert_eq!(py_round(0.4404, 4), 0.4404);
        assert_eq!(py_round(-0.6597, 4), -0.6597);
        assert_eq!(py_round(0.123_456, 3), 0.123);
        assert_eq!(py_round(1.0, 4), 1.0);
        assert_eq!(py_round(1e-300, 4), 0.0);
        assert!(py_round(-0.000_04, 3).is_sign_negative());
        assert_eq!(py_round(-0.000_04, 3), 0.0);
    }

    #[test]
    fn round_agrees_with_decimal_formatting() {
        // Rust's `{:.n}` formatting is also correctly rounded (ties to even
        // on the exact binary value); compare on a deterministic sweep.
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        for _ in 0..200_000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let x = (state >> 11) as f64 / (1_u64 << 53) as f64 * 2.0 - 1.0;
            for digits in [3_u32, 4] {
                let want: f64 = format!("{x:.prec$}", prec = digits as usize)
                    .parse()
                    .unwrap_or(f64::NAN);
                assert_eq!(py_round(x, digits), want, "{x:e} to {digits}");
            }
        }
    }

    #[test]
    fn sum_follows_cpython_312_rules() {
        let i = |v: f64| PyNum {
            value: v,
            is_int: true,
        };
        let f = PyNum::float;
        assert_eq!(py_sum(&[]), 0.0);
        assert_eq!(py_sum(&[i(0.0), i(3.0)]), 3.0);
        // Neumaier-compensated floats: CPython 3.12+ gives exactly 0.6 here
        // where naive left-to-right addition gives 0.6000000000000001.
        assert_eq!(py_sum(&[f(0.1), f(0.2), f(0.3)]), 0.6);
        // The compensation recovers what naive addition loses.
        assert_eq!(py_sum(&[f(1e16), f(1.0), f(-1e16)]), 1.0);
        // An int after the first float is added plainly, outside the
        // compensation: CPython 3.12/3.13 `sum([1e16, 1, -1e16])` with an
        // int 1 is 0.0.
        assert_eq!(py_sum(&[f(1e16), i(1.0), f(-1e16)]), 0.0);
    }
}
