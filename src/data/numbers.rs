//! A numeric column's values, held compactly when they allow it.
//!
//! Most numbers in a CSV are short decimals (`-1.2643`, `128.96`, `7`). Such a column is held as
//! its digits, one `i32` per value, over a power of ten the column shares: half the memory of
//! `f64`, and nothing is lost. `digits / 10^scale` is the same `f64` the text parses to, because
//! both operands are exact in `f64` and IEEE division rounds correctly: the result is the double
//! nearest the decimal, which is what a correct parser returns. `-0` (which `%.4f` writes for a
//! small negative number) has digits of its own. A value written with an exponent (`1.97e5`) is
//! held as digits when it is exactly a decimal of the column's scale (checked bit for bit). A
//! value that does not fit (more than nine significant digits, `1e-9` in a column of cents)
//! turns the column into plain `f64`, so every column reads back value for value, bit for bit,
//! as it would have without this. A finished column whose digits all fit 16 bits (counts, short
//! measurements) holds them at that width: a quarter of `f64`. Doubles from Parquet, Arrow or a
//! DataFrame are held as digits the same way when every value of the column is such a decimal.

use std::borrow::Cow;

/// Powers of ten exact in `f64` that a held scale can take.
const POW10: [f64; 16] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
];

/// Decimals [`Numbers::compact`] looks for in doubles: more would rarely be a written decimal.
const MAX_FOUND_SCALE: usize = 9;

/// The digits standing for a missing value (NaN).
const MISSING: i32 = i32::MIN;
/// The digits standing for `-0.0`, whose sign zero digits cannot carry.
const NEG_ZERO: i32 = i32::MIN + 1;

/// A decimal read from text: `value = digits / 10^scale`, with the sign in `digits` (and for
/// `-0` in the value only).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Decimal {
    /// The digits as a signed integer.
    pub digits: i64,
    /// Digits after the point.
    pub scale: u8,
}

/// A numeric column: numbers (NaN missing), as `f64` or as decimal digits.
#[derive(Debug, Clone)]
pub enum Numbers {
    /// Plain doubles.
    F64(Vec<f64>),
    /// Digits over `10^scale`; `i32::MIN` is missing and `i32::MIN + 1` is `-0`.
    Decimal {
        /// One value's digits per row.
        digits: Vec<i32>,
        /// Digits after the point, shared by the column.
        scale: u8,
    },
    /// A finished decimal column whose digits all fit 16 bits (counts, short measurements):
    /// the same digits at half the width; `i16::MIN` is missing and `i16::MIN + 1` is `-0`.
    /// Appending to it widens it back to [`Numbers::Decimal`].
    Short {
        /// One value's digits per row.
        digits: Vec<i16>,
        /// Digits after the point, shared by the column.
        scale: u8,
    },
}

impl Default for Numbers {
    fn default() -> Self {
        Numbers::Decimal {
            digits: Vec::new(),
            scale: 0,
        }
    }
}

impl From<Vec<f64>> for Numbers {
    fn from(v: Vec<f64>) -> Self {
        Numbers::F64(v)
    }
}

impl FromIterator<f64> for Numbers {
    fn from_iter<I: IntoIterator<Item = f64>>(iter: I) -> Self {
        Numbers::F64(iter.into_iter().collect())
    }
}

#[inline]
fn decode(d: i32, pow: f64) -> f64 {
    if d > NEG_ZERO {
        f64::from(d) / pow
    } else if d == MISSING {
        f64::NAN
    } else {
        -0.0
    }
}

/// Held 16-bit digits as 32-bit ones, markers included.
#[inline]
fn from_short(d: i16) -> i32 {
    match d {
        i16::MIN => MISSING,
        d if d == i16::MIN + 1 => NEG_ZERO,
        d => i32::from(d),
    }
}

/// Short digits as a 32-bit decimal column (a copy, for the sorting, binning and appending
/// written for those).
fn widen_short(digits: &[i16], scale: u8) -> Numbers {
    Numbers::Decimal {
        digits: digits.iter().map(|&d| from_short(d)).collect(),
        scale,
    }
}

/// Held digits as 16-bit ones, markers included, if they fit.
fn to_short(d: i32) -> Option<i16> {
    match d {
        MISSING => Some(i16::MIN),
        NEG_ZERO => Some(i16::MIN + 1),
        d => i16::try_from(d).ok().filter(|&s| s > i16::MIN + 1),
    }
}

/// `digits` as held digits, if they fit (the two lowest stand for NaN and `-0`).
fn narrow(digits: i64) -> Option<i32> {
    i32::try_from(digits).ok().filter(|&d| d > NEG_ZERO)
}

/// Held digits times `up`, if they still fit; the markers stay as they are.
fn rescale(d: i32, up: i64) -> Option<i32> {
    if d <= NEG_ZERO {
        Some(d)
    } else {
        i64::from(d).checked_mul(up).and_then(narrow)
    }
}

/// Every held digit times `up` when all still fit (true); left as they are otherwise (false).
fn rescale_all(digits: &mut [i32], up: i64) -> bool {
    if !digits.iter().all(|&d| rescale(d, up).is_some()) {
        return false;
    }
    for d in digits.iter_mut() {
        *d = rescale(*d, up).unwrap_or(*d);
    }
    true
}

impl Numbers {
    /// Digits after the point when the column is held as decimals (every value was written with
    /// at most that many): how finely its values were rounded when written.
    pub(crate) fn decimal_scale(&self) -> Option<u8> {
        match self {
            Numbers::Decimal { scale, .. } | Numbers::Short { scale, .. } => Some(*scale),
            Numbers::F64(_) => None,
        }
    }

    /// Number of values.
    pub fn len(&self) -> usize {
        match self {
            Numbers::F64(v) => v.len(),
            Numbers::Decimal { digits, .. } => digits.len(),
            Numbers::Short { digits, .. } => digits.len(),
        }
    }

    /// True when there are no values.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Value `i` (NaN when missing).
    #[inline]
    pub fn get(&self, i: usize) -> f64 {
        match self {
            Numbers::F64(v) => v[i],
            Numbers::Decimal { digits, scale } => decode(digits[i], POW10[*scale as usize]),
            Numbers::Short { digits, scale } => {
                decode(from_short(digits[i]), POW10[*scale as usize])
            }
        }
    }

    /// Whether value `i` is missing.
    #[inline]
    pub fn is_nan(&self, i: usize) -> bool {
        match self {
            Numbers::F64(v) => v[i].is_nan(),
            Numbers::Decimal { digits, .. } => digits[i] == MISSING,
            Numbers::Short { digits, .. } => digits[i] == i16::MIN,
        }
    }

    /// The values in order.
    pub fn iter(&self) -> Iter<'_> {
        match self {
            Numbers::F64(v) => Iter::F64(v.iter()),
            Numbers::Decimal { digits, scale } => {
                Iter::Decimal(digits.iter(), POW10[*scale as usize])
            }
            Numbers::Short { digits, scale } => Iter::Short(digits.iter(), POW10[*scale as usize]),
        }
    }

    /// The values as a slice: borrowed when held as `f64`, decoded into a copy otherwise. Take
    /// it for one column at a time: a copy is the column's full `f64` size.
    pub fn as_f64(&self) -> Cow<'_, [f64]> {
        match self {
            Numbers::F64(v) => Cow::Borrowed(v),
            Numbers::Decimal { .. } | Numbers::Short { .. } => Cow::Owned(self.iter().collect()),
        }
    }

    /// The present values in [`f64::total_cmp`] order: the same array as collecting them and
    /// sorting with `sort_unstable_by(f64::total_cmp)` (equal values are equal bits). Digits are
    /// sorted as integers, which orders their values the same way (`-0` just below `0`): by
    /// counting when their range is at most the row count, else by radix.
    pub(crate) fn sorted_present(&self) -> Vec<f64> {
        if let Numbers::Short { digits, scale } = self {
            return widen_short(digits, *scale).sorted_present();
        }
        let (digits, pow) = match self {
            Numbers::F64(v) => {
                let mut sorted: Vec<f64> = v.iter().copied().filter(|x| !x.is_nan()).collect();
                sorted.sort_unstable_by(f64::total_cmp);
                return sorted;
            }
            Numbers::Decimal { digits, scale } => (digits, POW10[*scale as usize]),
            Numbers::Short { .. } => unreachable!("widened above"),
        };
        // Twice the digits, and -1 for -0: an order-preserving key for every present value.
        let key = |d: i32| -> i64 {
            if d == NEG_ZERO {
                -1
            } else {
                2 * i64::from(d)
            }
        };
        let value = |k: i64| -> f64 {
            if k == -1 {
                -0.0
            } else {
                decode((k / 2) as i32, pow)
            }
        };
        let present = || digits.iter().copied().filter(|&d| d != MISSING);
        let Some((lo, hi)) = present().fold(None, |m: Option<(i64, i64)>, d| {
            let k = key(d);
            Some(m.map_or((k, k), |(a, b)| (a.min(k), b.max(k))))
        }) else {
            return Vec::new();
        };
        let range = (hi - lo) as u64;
        let n = present().count();
        if range < n.max(1 << 16) as u64 {
            // Counting: equal keys are equal values, so the counts spell out the sorted array.
            let mut counts = vec![0u32; range as usize + 1];
            present().for_each(|d| counts[(key(d) - lo) as usize] += 1);
            let mut sorted = Vec::with_capacity(n);
            for (k, &c) in counts.iter().enumerate() {
                if c > 0 {
                    let x = value(k as i64 + lo);
                    sorted.extend(std::iter::repeat_n(x, c as usize));
                }
            }
            return sorted;
        }
        if range > u64::from(u32::MAX) {
            let mut sorted: Vec<f64> = present().map(|d| value(key(d))).collect();
            sorted.sort_unstable_by(f64::total_cmp);
            return sorted;
        }
        // Least significant digit first, 11 bits a pass, over the keys' offsets from the least.
        const BITS: u32 = 11;
        let mut keys: Vec<u32> = present().map(|d| (key(d) - lo) as u32).collect();
        let mut other = vec![0u32; keys.len()];
        let passes = (32 - (range as u32).leading_zeros()).div_ceil(BITS);
        for pass in 0..passes {
            let shift = pass * BITS;
            let mut start = vec![0usize; 1 << BITS];
            keys.iter()
                .for_each(|&k| start[((k >> shift) & ((1 << BITS) - 1)) as usize] += 1);
            let mut total = 0;
            for s in start.iter_mut() {
                (*s, total) = (total, total + *s);
            }
            for &k in &keys {
                let b = ((k >> shift) & ((1 << BITS) - 1)) as usize;
                other[start[b]] = k;
                start[b] += 1;
            }
            std::mem::swap(&mut keys, &mut other);
        }
        keys.into_iter().map(|k| value(i64::from(k) + lo)).collect()
    }

    /// Each value's bin among ascending `edges`: `missing` for a missing value, else one plus
    /// the number of edges below it, at most `edges.len()` (a value above the last edge shares
    /// its bin). Digits in a range no wider than the rows look their bin up in a table filled in
    /// one walk over the range; other values search the edges.
    pub(crate) fn bins(&self, edges: &[f64], missing: u8) -> Vec<u8> {
        let search = |x: f64| -> u8 {
            if x.is_nan() {
                missing
            } else {
                1 + edges.partition_point(|&e| e < x).min(edges.len() - 1) as u8
            }
        };
        if let Numbers::Short { digits, scale } = self {
            return widen_short(digits, *scale).bins(edges, missing);
        }
        let Numbers::Decimal { digits, scale } = self else {
            return self.iter().map(search).collect();
        };
        let pow = POW10[*scale as usize];
        let present = || digits.iter().copied().filter(|&d| d > NEG_ZERO);
        let Some((lo, hi)) = present().fold(None, |m: Option<(i32, i32)>, d| {
            Some(m.map_or((d, d), |(a, b)| (a.min(d), b.max(d))))
        }) else {
            return self.iter().map(search).collect();
        };
        let range = (i64::from(hi) - i64::from(lo)) as usize;
        if range >= digits.len().max(1 << 16) {
            return self.iter().map(search).collect();
        }
        // Bins rise with the digits: one pass over the range moves along the edges.
        let mut table = vec![0u8; range + 1];
        let mut below = 0;
        for (i, slot) in table.iter_mut().enumerate() {
            let x = decode(lo + i as i32, pow);
            while below < edges.len() && edges[below] < x {
                below += 1;
            }
            *slot = 1 + below.min(edges.len() - 1) as u8;
        }
        digits
            .iter()
            .map(|&d| match d {
                MISSING => missing,
                NEG_ZERO => search(-0.0),
                d => table[(d - lo) as usize],
            })
            .collect()
    }

    /// The values as a vector.
    pub fn to_vec(&self) -> Vec<f64> {
        self.as_f64().into_owned()
    }

    /// The values of the given rows, in that order, held as these are.
    pub fn take(&self, rows: &[usize]) -> Numbers {
        match self {
            Numbers::F64(v) => Numbers::F64(rows.iter().map(|&i| v[i]).collect()),
            Numbers::Decimal { digits, scale } => Numbers::Decimal {
                digits: rows.iter().map(|&i| digits[i]).collect(),
                scale: *scale,
            },
            Numbers::Short { digits, scale } => Numbers::Short {
                digits: rows.iter().map(|&i| digits[i]).collect(),
                scale: *scale,
            },
        }
    }

    /// A short column's digits at 32 bits; other columns as they are (not copied).
    fn into_wide(self) -> Numbers {
        match self {
            Numbers::Short { digits, scale } => widen_short(&digits, scale),
            other => other,
        }
    }

    /// A short column back at 32 bits, in place, before values are added to it.
    fn unshort(&mut self) {
        if let Numbers::Short { .. } = self {
            *self = std::mem::take(self).into_wide();
        }
    }

    /// Doubles held as decimal digits when every one is exactly `digits / 10^scale` for one
    /// scale (at most [`MAX_FOUND_SCALE`] decimals) with digits that fit, else as they are: a
    /// column read from Parquet or a DataFrame that was written as short decimals takes half
    /// the memory, and every value reads back bit for bit (each is checked).
    pub(crate) fn compact(v: Vec<f64>) -> Numbers {
        let mut scale = 0usize;
        let mut digits: Vec<i32> = Vec::with_capacity(v.len());
        for &x in &v {
            if x.is_nan() {
                digits.push(MISSING);
                continue;
            }
            if x == 0.0 && x.is_sign_negative() {
                digits.push(NEG_ZERO);
                continue;
            }
            loop {
                let pow = POW10[scale];
                let m = (x * pow).round();
                if m.abs() < f64::from(i32::MAX) && (m / pow).to_bits() == x.to_bits() {
                    digits.push(m as i32);
                    break;
                }
                // One more decimal for every value so far, while their digits still fit.
                if scale == MAX_FOUND_SCALE || !rescale_all(&mut digits, 10) {
                    return Numbers::F64(v);
                }
                scale += 1;
            }
        }
        Numbers::Decimal {
            digits,
            scale: scale as u8,
        }
    }

    /// Bytes held per value.
    pub fn value_bytes(&self) -> usize {
        match self {
            Numbers::F64(_) => 8,
            Numbers::Decimal { .. } => 4,
            Numbers::Short { .. } => 2,
        }
    }

    /// Append a value read from text; `decimal` is its exact digits when it has them (its `value`
    /// is then `digits / 10^scale`). NaN appends a missing value.
    pub(crate) fn push(&mut self, value: f64, decimal: Option<Decimal>) {
        self.unshort();
        if value.is_nan() {
            return self.push_missing();
        }
        if let (Numbers::Decimal { .. }, Some(d)) = (&*self, decimal) {
            if value == 0.0 && value.is_sign_negative() {
                if let Numbers::Decimal { digits, .. } = self {
                    digits.push(NEG_ZERO);
                    return;
                }
            }
            if self.fit_scale(d.scale) {
                if let Numbers::Decimal { digits, scale } = self {
                    let up = 10i64.pow(u32::from(*scale - d.scale));
                    if let Some(x) = d.digits.checked_mul(up).and_then(narrow) {
                        digits.push(x);
                        return;
                    }
                }
            }
        }
        // A value read without its digits (`1.97e5`, more digits than the fast path takes) is
        // still held as digits when it is exactly a decimal of the column's scale: its digits
        // divided by the power of ten give back its very bits (checked).
        if let (Numbers::Decimal { digits, scale }, None) = (&mut *self, decimal) {
            if value == 0.0 && value.is_sign_negative() {
                digits.push(NEG_ZERO);
                return;
            }
            let pow = POW10[*scale as usize];
            let m = (value * pow).round();
            if m.abs() < f64::from(i32::MAX) && (m / pow).to_bits() == value.to_bits() {
                digits.push(m as i32);
                return;
            }
        }
        self.widen();
        if let Numbers::F64(v) = self {
            v.push(value);
        }
    }

    /// Append a missing value.
    pub(crate) fn push_missing(&mut self) {
        match self {
            Numbers::F64(v) => v.push(f64::NAN),
            Numbers::Decimal { digits, .. } => digits.push(MISSING),
            Numbers::Short { digits, .. } => digits.push(i16::MIN),
        }
    }

    /// Insert `n` missing values before the first.
    pub(crate) fn prepend_missing(&mut self, n: usize) {
        self.unshort();
        match self {
            Numbers::F64(v) => {
                v.splice(0..0, std::iter::repeat_n(f64::NAN, n));
            }
            Numbers::Decimal { digits, .. } => {
                digits.splice(0..0, std::iter::repeat_n(MISSING, n));
            }
            Numbers::Short { .. } => unreachable!("widened above"),
        }
    }

    /// Append the values of `other` (the rows that follow).
    pub(crate) fn append(&mut self, other: Numbers) {
        self.unshort();
        let other = other.into_wide();
        if let Numbers::Decimal { scale: s2, .. } = &other {
            if self.fit_scale(*s2) {
                if let (
                    Numbers::Decimal { digits, scale },
                    Numbers::Decimal {
                        digits: d2,
                        scale: s2,
                    },
                ) = (&mut *self, &other)
                {
                    let up = 10i64.pow(u32::from(*scale - *s2));
                    let scaled: Option<Vec<i32>> = d2.iter().map(|&d| rescale(d, up)).collect();
                    if let Some(scaled) = scaled {
                        digits.extend_from_slice(&scaled);
                        return;
                    }
                }
            }
        }
        self.widen();
        if let Numbers::F64(v) = self {
            v.extend(other.iter());
        }
    }

    /// Reserve room for `additional` more values.
    pub(crate) fn reserve_exact(&mut self, additional: usize) {
        match self {
            Numbers::F64(v) => v.reserve_exact(additional),
            Numbers::Decimal { digits, .. } => digits.reserve_exact(additional),
            Numbers::Short { digits, .. } => digits.reserve_exact(additional),
        }
    }

    /// Give back spare capacity: the column is finished, so digits that all fit 16 bits are
    /// held at that width ([`Numbers::Short`]).
    pub(crate) fn shrink_to_fit(&mut self) {
        match self {
            Numbers::F64(v) => v.shrink_to_fit(),
            Numbers::Decimal { digits, scale } => {
                if digits.iter().all(|&d| to_short(d).is_some()) {
                    let short = digits.iter().map(|&d| to_short(d).unwrap_or(i16::MIN));
                    *self = Numbers::Short {
                        digits: short.collect(),
                        scale: *scale,
                    };
                } else {
                    digits.shrink_to_fit();
                }
            }
            Numbers::Short { digits, .. } => digits.shrink_to_fit(),
        }
    }

    /// Make a held decimal column's scale at least `want`, rescaling its digits when they all
    /// still fit. False when it cannot (or the column is `f64`).
    fn fit_scale(&mut self, want: u8) -> bool {
        let Numbers::Decimal { digits, scale } = self else {
            return false;
        };
        if want as usize >= POW10.len() {
            return false;
        }
        if want <= *scale {
            return true;
        }
        if !rescale_all(digits, 10i64.pow(u32::from(want - *scale))) {
            return false;
        }
        *scale = want;
        true
    }

    /// Turn the column into plain `f64` (same values).
    fn widen(&mut self) {
        if let Numbers::Decimal { .. } | Numbers::Short { .. } = self {
            *self = Numbers::F64(self.iter().collect());
        }
    }
}

/// Iterator over a column's values.
pub enum Iter<'a> {
    /// Over doubles.
    F64(std::slice::Iter<'a, f64>),
    /// Over digits, with the power of ten they are divided by.
    Decimal(std::slice::Iter<'a, i32>, f64),
    /// Over 16-bit digits, with the power of ten they are divided by.
    Short(std::slice::Iter<'a, i16>, f64),
}

impl Iterator for Iter<'_> {
    type Item = f64;

    #[inline]
    fn next(&mut self) -> Option<f64> {
        match self {
            Iter::F64(it) => it.next().copied(),
            Iter::Decimal(it, pow) => it.next().map(|&d| decode(d, *pow)),
            Iter::Short(it, pow) => it.next().map(|&d| decode(from_short(d), *pow)),
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        match self {
            Iter::F64(it) => it.size_hint(),
            Iter::Decimal(it, _) => it.size_hint(),
            Iter::Short(it, _) => it.size_hint(),
        }
    }
}

impl ExactSizeIterator for Iter<'_> {}

#[cfg(test)]
mod tests {
    use super::*;

    /// Sorted digits are the sorted doubles bit for bit, by counting, by radix and by
    /// comparison (ranges too wide for 32-bit keys), with `-0`, `0` and missing values.
    #[test]
    fn sorted_present_equals_sorting_the_doubles() {
        let mut x = 11u64;
        let mut next = || {
            x = crate::data::sample::splitmix64(x);
            x
        };
        for spread in [3i64, 1000, 70_000, 5_000_000, 2_000_000_000] {
            for scale in [0u8, 2, 4] {
                let mut v: Numbers = Numbers::default();
                for i in 0..20_000 {
                    let d = (next() % (2 * spread as u64 + 1)) as i64 - spread;
                    match i % 97 {
                        0 => v.push_missing(),
                        1 => v.push(-0.0, Some(Decimal { digits: 0, scale })),
                        _ => v.push(
                            d as f64 / POW10[scale as usize],
                            Some(Decimal { digits: d, scale }),
                        ),
                    }
                }
                assert!(matches!(v, Numbers::Decimal { .. }), "spread {spread}");
                let mut expected: Vec<f64> = v.iter().filter(|x| !x.is_nan()).collect();
                expected.sort_unstable_by(f64::total_cmp);
                let got = v.sorted_present();
                assert_eq!(got.len(), expected.len());
                assert!(
                    got.iter()
                        .zip(&expected)
                        .all(|(a, b)| a.to_bits() == b.to_bits()),
                    "spread {spread}, scale {scale}"
                );
                // Bins from the table equal a search of the edges (quantiles of the values,
                // and edges between values).
                for edges in [
                    (1..40)
                        .map(|q| got[q * got.len() / 40])
                        .collect::<Vec<f64>>(),
                    vec![-0.5, 0.0, 0.25, 1e9],
                ] {
                    let mut edges = edges;
                    edges.dedup();
                    let search: Vec<u8> = v
                        .iter()
                        .map(|x| {
                            if x.is_nan() {
                                0
                            } else {
                                1 + edges.partition_point(|&e| e < x).min(edges.len() - 1) as u8
                            }
                        })
                        .collect();
                    assert_eq!(v.bins(&edges, 0), search, "spread {spread}, scale {scale}");
                }
            }
        }
        let doubles = Numbers::F64(vec![2.5, f64::NAN, -0.0, 0.0, -1.0]);
        let edges = [-1.0, 0.0, 2.0];
        assert_eq!(doubles.bins(&edges, 0), vec![3, 0, 2, 2, 1]);
        let sorted: Vec<u64> = doubles
            .sorted_present()
            .iter()
            .map(|x| x.to_bits())
            .collect();
        let expected: Vec<u64> = [-1.0, -0.0, 0.0, 2.5]
            .iter()
            .map(|x: &f64| x.to_bits())
            .collect();
        assert_eq!(sorted, expected);
    }

    fn dec(digits: i64, scale: u8) -> Option<Decimal> {
        Some(Decimal { digits, scale })
    }

    /// Values pushed with their digits read back as the doubles they stand for, through every
    /// rescaling, and the column stays compact while it can.
    #[test]
    fn decimals_read_back_exactly_through_rescaling() {
        let mut n = Numbers::default();
        n.push(7.0, dec(7, 0));
        n.push(f64::NAN, None);
        n.push(-1.25, dec(-125, 2));
        n.push(0.1, dec(1, 1));
        n.push(-0.0, dec(0, 3));
        n.push(128.9601, dec(1_289_601, 4));
        assert!(matches!(n, Numbers::Decimal { scale: 4, .. }));
        let want = [7.0, f64::NAN, -1.25, 0.1, -0.0, 128.9601];
        let got: Vec<f64> = n.iter().collect();
        for (g, w) in got.iter().zip(want) {
            assert_eq!(g.to_bits(), w.to_bits());
        }
        assert!(n.is_nan(1) && !n.is_nan(0));
        assert_eq!(n.get(3).to_bits(), 0.1f64.to_bits());
    }

    /// A value whose digits do not fit (or that has none) widens the column, keeping every value.
    #[test]
    fn widens_without_losing_values() {
        let mut n = Numbers::default();
        n.push(1.5, dec(15, 1));
        n.push(1e300, None);
        assert!(matches!(n, Numbers::F64(_)));
        assert_eq!(n.to_vec(), vec![1.5, 1e300]);

        let mut n = Numbers::default();
        n.push(2_000_000.0, dec(2_000_000, 0));
        // Scale 4 would need 2e10 digits: too many for the held width.
        n.push(0.0001, dec(1, 4));
        assert!(matches!(n, Numbers::F64(_)));
        assert_eq!(n.to_vec(), vec![2_000_000.0, 0.0001]);
    }

    /// A finished column whose digits fit 16 bits is held at that width and reads, sorts, bins
    /// and takes rows exactly as at 32 bits; values added later widen it back first.
    #[test]
    fn short_digits_read_back_exactly() {
        let mut n = Numbers::default();
        let vals = [7.0, f64::NAN, -1.25, -0.0, 327.66, -327.66, 0.1];
        for &x in &vals {
            if x.is_nan() {
                n.push_missing();
            } else {
                let d = (x * 100.0f64).round() as i64;
                n.push(x, dec(d, 2));
            }
        }
        let wide = n.clone();
        n.shrink_to_fit();
        assert!(matches!(n, Numbers::Short { scale: 2, .. }));
        assert_eq!(n.value_bytes(), 2);
        let bits = |v: &Numbers| v.iter().map(f64::to_bits).collect::<Vec<_>>();
        assert_eq!(bits(&n), bits(&wide));
        assert_eq!(bits(&n), vals.map(f64::to_bits).to_vec());
        assert!(n.is_nan(1) && n.get(3).is_sign_negative());
        let sorted = |v: &Numbers| {
            v.sorted_present()
                .iter()
                .map(|x| x.to_bits())
                .collect::<Vec<_>>()
        };
        assert_eq!(sorted(&n), sorted(&wide));
        let edges = [-1.0, 0.0, 7.0];
        assert_eq!(n.bins(&edges, 0), wide.bins(&edges, 0));
        assert_eq!(bits(&n.take(&[6, 0, 3])), bits(&wide.take(&[6, 0, 3])));
        // One more value (here one whose digits need 32 bits) widens it back.
        n.push(400.01, dec(40_001, 2));
        assert!(matches!(n, Numbers::Decimal { scale: 2, .. }));
        assert_eq!(n.get(7), 400.01);
        // Digits beyond 16 bits stay at 32.
        let mut big = Numbers::default();
        big.push(40_000.0, dec(40_000, 0));
        big.shrink_to_fit();
        assert!(matches!(big, Numbers::Decimal { .. }));
    }

    /// A value read without its digits (an exponent) stays compact when it is exactly a
    /// decimal of the column's scale, bit for bit; one that is not widens the column.
    #[test]
    fn exponents_that_are_decimals_stay_compact() {
        let mut n = Numbers::default();
        n.push(61_958.07, dec(6_195_807, 2));
        n.push("1.97e5".parse().unwrap(), None);
        n.push("-0e0".parse().unwrap(), None);
        n.push("-2.5E1".parse().unwrap(), None);
        assert!(matches!(n, Numbers::Decimal { scale: 2, .. }));
        let want = [61_958.07, 197_000.0, -0.0, -25.0];
        let got: Vec<u64> = n.iter().map(f64::to_bits).collect();
        assert_eq!(got, want.map(f64::to_bits));
        n.push("1.5e-3".parse().unwrap(), None);
        assert!(matches!(n, Numbers::F64(_)));
        assert_eq!(n.get(4), 0.0015);
    }

    /// Appending blocks gives what pushing every value in one pass gives.
    #[test]
    fn append_equals_one_pass() {
        let vals = [
            (3.5, dec(35, 1)),
            (f64::NAN, None),
            (-0.001, dec(-1, 3)),
            (-0.0, dec(0, 2)),
            (42.0, dec(42, 0)),
            (2.0e9, dec(2_000_000_000, 0)),
            (1.0, dec(1, 0)),
        ];
        for cut in 0..=vals.len() {
            let mut one = Numbers::default();
            vals.iter().for_each(|&(x, d)| one.push(x, d));
            let (mut a, mut b) = (Numbers::default(), Numbers::default());
            vals[..cut].iter().for_each(|&(x, d)| a.push(x, d));
            vals[cut..].iter().for_each(|&(x, d)| b.push(x, d));
            a.append(b);
            let bits = |n: &Numbers| n.iter().map(f64::to_bits).collect::<Vec<_>>();
            assert_eq!(bits(&a), bits(&one), "cut {cut}");
        }
    }

    /// Doubles that are short decimals are held as digits and read back bit for bit; any other
    /// double keeps the column as doubles.
    #[test]
    fn compact_finds_decimals_and_keeps_the_rest() {
        let short = vec![1.0, -0.0, f64::NAN, 0.1, -2.25, 1234.5678, 3.0];
        let c = Numbers::compact(short.clone());
        assert!(matches!(c, Numbers::Decimal { scale: 4, .. }));
        let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&c.to_vec()), bits(&short));
        for other in [
            vec![0.5, std::f64::consts::PI],
            vec![1e-12],
            vec![3e9],
            vec![0.1, 0.2 + 0.1],
        ] {
            assert!(
                matches!(Numbers::compact(other.clone()), Numbers::F64(_)),
                "{other:?}"
            );
        }
        // Random short decimals: the same bits as parsing their text.
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let values: Vec<f64> = (0..10_000)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                // At most 6 digits and 4 decimals: 10 digits at the common scale fit.
                let digits = (state % 200_000) as i64 - 100_000;
                format!("{}e-{}", digits, (state >> 20) % 5)
                    .parse()
                    .unwrap()
            })
            .collect();
        let c = Numbers::compact(values.clone());
        assert!(matches!(c, Numbers::Decimal { .. }));
        assert_eq!(bits(&c.to_vec()), bits(&values));
    }

    #[test]
    fn take_and_prepend_keep_the_representation() {
        let mut n = Numbers::default();
        n.push(1.5, dec(15, 1));
        n.push(2.25, dec(225, 2));
        n.prepend_missing(2);
        assert_eq!(n.len(), 4);
        assert!(n.is_nan(0) && n.is_nan(1));
        let t = n.take(&[3, 2]);
        assert!(matches!(t, Numbers::Decimal { .. }));
        assert_eq!(t.to_vec(), vec![2.25, 1.5]);
        assert_eq!(t.value_bytes(), 4);
    }
}
