//! Streaming column typing: each column starts untyped, becomes numeric, datetime or text on its
//! first value, and is demoted to text if a later value disagrees. Only the typed values are
//! kept, never the raw strings of numeric columns.

use std::collections::HashMap;

use super::numbers::{Decimal, Numbers};
use super::{time, Column, ColumnType, Values, MISSING_CODE};

/// Tokens read as a missing value (compared after trimming; case-sensitive list plus lowercase).
const NA_TOKENS: &[&str] = &[
    "", "na", "n/a", "nan", "null", "none", "?", "-", "#n/a", "nil", "missing", "<na>",
];

/// Whether a trimmed token means "missing".
pub fn is_na(s: &str) -> bool {
    // No missing token starts with a digit: numbers skip the list.
    match s.as_bytes().first() {
        None => true,
        Some(b) if b.is_ascii_digit() => false,
        Some(_) => s.len() <= 7 && NA_TOKENS.iter().any(|t| t.eq_ignore_ascii_case(s)),
    }
}

const TRUE_TOKENS: &[&str] = &["true", "t", "yes", "y"];
const FALSE_TOKENS: &[&str] = &["false", "f", "no", "n"];

/// The 0/1 a true/false-like token (yes/no, true/false, t/f, y/n) reads as, if it is one: the
/// value a boolean text column holds.
pub(crate) fn boolean_token(s: &str) -> Option<f64> {
    let l = s.trim().to_ascii_lowercase();
    if TRUE_TOKENS.contains(&l.as_str()) {
        Some(1.0)
    } else if FALSE_TOKENS.contains(&l.as_str()) {
        Some(0.0)
    } else {
        None
    }
}

enum State {
    Empty,
    Numeric(Numbers),
    Datetime(Vec<f64>),
    Text {
        codes: Vec<u32>,
        dict: HashMap<Box<str>, u32>,
    },
}

/// Accumulates one column's values as rows stream by.
pub struct ColumnBuilder {
    state: State,
    rows: usize,
    missing: usize,
    infinite: usize,
}

impl Default for ColumnBuilder {
    fn default() -> Self {
        Self::new()
    }
}

impl ColumnBuilder {
    /// An empty builder.
    pub fn new() -> Self {
        ColumnBuilder {
            state: State::Empty,
            rows: 0,
            missing: 0,
            infinite: 0,
        }
    }

    /// Append one raw field.
    pub fn push(&mut self, raw: &str) {
        let s = raw.trim();
        self.rows += 1;
        if is_na(s) {
            self.missing += 1;
            self.push_missing();
            return;
        }
        let parsed = parse_number(s);
        let num = parsed.map(|p| p.0);
        if let Some(x) = num {
            if !x.is_finite() {
                self.infinite += 1;
                self.missing += 1;
                self.push_missing();
                return;
            }
        }
        match &mut self.state {
            State::Empty => {
                let leading = self.rows - 1;
                self.state = if let Some((x, d)) = parsed {
                    let mut v = Numbers::default();
                    v.push(x, d);
                    v.prepend_missing(leading);
                    State::Numeric(v)
                } else if let Some(t) = time::parse_iso(s) {
                    let mut v = vec![f64::NAN; leading];
                    v.push(t);
                    State::Datetime(v)
                } else {
                    let mut codes = vec![MISSING_CODE; leading];
                    let mut dict = HashMap::new();
                    codes.push(intern(&mut dict, s));
                    State::Text { codes, dict }
                };
            }
            State::Numeric(v) => match parsed {
                Some((x, d)) => v.push(x, d),
                None => {
                    self.demote(format_number);
                    self.push_text(s);
                }
            },
            State::Datetime(v) => match time::parse_iso(s) {
                Some(t) => v.push(t),
                None => {
                    self.demote(time::format_iso);
                    self.push_text(s);
                }
            },
            State::Text { .. } => self.push_text(s),
        }
    }

    fn push_missing(&mut self) {
        match &mut self.state {
            State::Empty => {}
            State::Numeric(v) => v.push_missing(),
            State::Datetime(v) => v.push(f64::NAN),
            State::Text { codes, .. } => codes.push(MISSING_CODE),
        }
    }

    fn push_text(&mut self, s: &str) {
        if let State::Text { codes, dict } = &mut self.state {
            let c = intern(dict, s);
            codes.push(c);
        }
    }

    /// Turn a numeric or datetime column into text after a value of another type arrived.
    fn demote(&mut self, fmt: impl Fn(f64) -> String) {
        let values = match std::mem::replace(&mut self.state, State::Empty) {
            State::Numeric(v) => v.to_vec(),
            State::Datetime(v) => v,
            other => {
                self.state = other;
                return;
            }
        };
        let mut dict = HashMap::new();
        let codes = values
            .iter()
            .map(|&x| {
                if x.is_nan() {
                    MISSING_CODE
                } else {
                    intern(&mut dict, &fmt(x))
                }
            })
            .collect();
        self.state = State::Text { codes, dict };
    }

    /// Append the builder of the rows that follow this one's (a block read in parallel). When
    /// the two typed the column differently the other is handed back, and its raw fields must be
    /// pushed one by one instead: only then is the result the one a single pass gives.
    pub fn append(&mut self, other: ColumnBuilder) -> std::result::Result<(), ColumnBuilder> {
        let leading = self.rows;
        match (&mut self.state, other.state) {
            (_, State::Empty) => {
                for _ in 0..other.rows {
                    self.push_missing();
                }
            }
            (State::Empty, mut state) => {
                match &mut state {
                    State::Numeric(v) => v.prepend_missing(leading),
                    State::Datetime(v) => {
                        v.splice(0..0, std::iter::repeat_n(f64::NAN, leading));
                    }
                    State::Text { codes, .. } => {
                        codes.splice(0..0, std::iter::repeat_n(MISSING_CODE, leading));
                    }
                    State::Empty => {}
                }
                self.state = state;
            }
            (State::Numeric(v), State::Numeric(w)) => v.append(w),
            (State::Datetime(v), State::Datetime(w)) => v.extend_from_slice(&w),
            (
                State::Text { codes, dict },
                State::Text {
                    codes: c2,
                    dict: d2,
                },
            ) => {
                // Its levels in their order of first appearance, interned after ours.
                let mut levels: Vec<(u32, Box<str>)> =
                    d2.into_iter().map(|(k, v)| (v, k)).collect();
                levels.sort_unstable_by_key(|l| l.0);
                let remap: Vec<u32> = levels.iter().map(|(_, k)| intern(dict, k)).collect();
                codes.extend(c2.iter().map(|&c| {
                    if c == MISSING_CODE {
                        MISSING_CODE
                    } else {
                        remap[c as usize]
                    }
                }));
            }
            (_, state) => {
                return Err(ColumnBuilder {
                    state,
                    rows: other.rows,
                    missing: other.missing,
                    infinite: other.infinite,
                })
            }
        }
        self.rows += other.rows;
        self.missing += other.missing;
        self.infinite += other.infinite;
        Ok(())
    }

    /// Make room for `additional` more rows (a file read in blocks knows about how many come).
    pub fn reserve(&mut self, additional: usize) {
        match &mut self.state {
            State::Numeric(v) => v.reserve_exact(additional),
            State::Datetime(v) => v.reserve_exact(additional),
            State::Text { codes, .. } => codes.reserve_exact(additional),
            State::Empty => {}
        }
    }

    /// Bytes the column holds a row: 4 for decimal digits and category codes, 8 for doubles
    /// and datetimes (and for a column not typed yet, the most it may take).
    pub fn value_bytes(&self) -> usize {
        match &self.state {
            State::Numeric(v) => v.value_bytes(),
            State::Text { .. } => 4,
            State::Datetime(_) | State::Empty => 8,
        }
    }

    /// Number of infinite values read as missing.
    pub fn infinite(&self) -> usize {
        self.infinite
    }

    /// Finish typing and produce the column.
    pub fn finish(mut self, name: String) -> Column {
        let rows = self.rows;
        let missing = self.missing;
        // Growth by doubling can leave a column's buffer up to twice its values: give it back.
        match &mut self.state {
            State::Numeric(v) => v.shrink_to_fit(),
            State::Datetime(v) => v.shrink_to_fit(),
            State::Text { codes, .. } => codes.shrink_to_fit(),
            State::Empty => {}
        }
        let (ty, values) = match self.state {
            State::Empty => (
                ColumnType::Numeric,
                (Values::Numeric(vec![f64::NAN; rows].into()), None),
            ),
            State::Numeric(v) => {
                let boolean = is_boolean(v.iter());
                (
                    if boolean {
                        ColumnType::Boolean
                    } else {
                        ColumnType::Numeric
                    },
                    (Values::Numeric(v), None),
                )
            }
            State::Datetime(v) => (ColumnType::Datetime, (Values::Numeric(v.into()), None)),
            State::Text { codes, dict } => {
                let (ty, values, tokens) = text_column(codes, dict, rows - missing);
                (ty, (values, tokens))
            }
        };
        let (ty, values, bool_tokens) = (ty, values.0, values.1);
        Column {
            name,
            ty,
            values,
            missing,
            bool_tokens,
        }
    }
}

/// Whether values (NaN missing) are those of a boolean: only 0 and 1, and both of them.
fn is_boolean(values: impl Iterator<Item = f64>) -> bool {
    let (mut zero, mut one) = (false, false);
    for x in values {
        if x == 0.0 {
            zero = true;
        } else if x == 1.0 {
            one = true;
        } else if !x.is_nan() {
            return false;
        }
    }
    zero && one
}

/// A numeric column from values (NaN missing; infinite values become missing and are
/// counted in the second element): boolean when it holds exactly 0 and 1.
pub(crate) fn numeric_column(name: String, mut v: Vec<f64>) -> (Column, usize) {
    let mut infinite = 0;
    for x in v.iter_mut().filter(|x| x.is_infinite()) {
        *x = f64::NAN;
        infinite += 1;
    }
    let missing = v.iter().filter(|x| x.is_nan()).count();
    let boolean = is_boolean(v.iter().copied());
    let ty = if boolean {
        ColumnType::Boolean
    } else {
        ColumnType::Numeric
    };
    let c = Column {
        name,
        ty,
        values: Values::Numeric(Numbers::compact(v)),
        missing,
        bool_tokens: None,
    };
    (c, infinite)
}

/// A datetime column from seconds since 1970-01-01 (NaN missing).
pub(crate) fn datetime_column(name: String, v: Vec<f64>) -> Column {
    let missing = v.iter().filter(|x| !x.is_finite()).count();
    Column {
        name,
        ty: ColumnType::Datetime,
        values: Values::Numeric(
            v.into_iter()
                .map(|x| if x.is_finite() { x } else { f64::NAN })
                .collect(),
        ),
        missing,
        bool_tokens: None,
    }
}

/// A text column from codes into `levels` ([`MISSING_CODE`] missing), typed as a CSV text
/// column is: boolean for true/false-like levels, identifier when near-unique, else
/// categorical. Levels must be distinct and every code must index one.
pub(crate) fn text_column_of(name: String, codes: Vec<u32>, levels: Vec<String>) -> Column {
    let missing = codes.iter().filter(|&&c| c == MISSING_CODE).count();
    let present = codes.len() - missing;
    let (ty, values, bool_tokens) = classify_text(codes, levels, present);
    Column {
        name,
        ty,
        values,
        missing,
        bool_tokens,
    }
}

/// A typed text column: its type, values and (for a boolean) its false/true spellings.
type Typed = (ColumnType, Values, Option<Box<[String; 2]>>);

fn text_column(codes: Vec<u32>, dict: HashMap<Box<str>, u32>, present: usize) -> Typed {
    let mut levels = vec![String::new(); dict.len()];
    for (k, v) in dict {
        levels[v as usize] = k.into_string();
    }
    classify_text(codes, levels, present)
}

fn classify_text(codes: Vec<u32>, levels: Vec<String>, present: usize) -> Typed {
    let bools: Option<Vec<f64>> = levels.iter().map(|l| boolean_token(l)).collect();
    if let Some(b) = bools {
        if b.contains(&0.0) && b.contains(&1.0) {
            // Levels are numbered in order of appearance: the first spelling of each value.
            let spelling = |v: f64| levels[b.iter().position(|&x| x == v).unwrap_or(0)].clone();
            let tokens = Box::new([spelling(0.0), spelling(1.0)]);
            let mut v = Numbers::default();
            v.reserve_exact(codes.len());
            for &c in &codes {
                match b.get(c as usize) {
                    Some(&x) => v.push(
                        x,
                        Some(Decimal {
                            digits: x as i64,
                            scale: 0,
                        }),
                    ),
                    None => v.push_missing(),
                }
            }
            return (ColumnType::Boolean, Values::Numeric(v), Some(tokens));
        }
    }
    // Near-unique strings are identifiers or free text, not categories a model can use.
    let ty = if present >= 20 && levels.len() as f64 >= 0.9 * present as f64 {
        ColumnType::Identifier
    } else {
        ColumnType::Categorical
    };
    (ty, Values::Categorical { codes, levels }, None)
}

fn intern(dict: &mut HashMap<Box<str>, u32>, s: &str) -> u32 {
    if let Some(&c) = dict.get(s) {
        return c;
    }
    let c = dict.len() as u32;
    dict.insert(s.into(), c);
    c
}

/// Parse a decimal number; rejects forms like "1_000" or hex that f64 parsing would reject anyway,
/// and words such as "inf" unless spelled as a float ("inf", "-inf", "infinity" are accepted and
/// then treated as missing by the caller).
/// The value comes with its exact digits when the fast path read it.
fn parse_number(s: &str) -> Option<(f64, Option<Decimal>)> {
    let first = s.as_bytes()[0];
    if !(first.is_ascii_digit() || matches!(first, b'-' | b'+' | b'.' | b'i' | b'I')) {
        return None;
    }
    match fast_decimal(s.as_bytes()) {
        Some((x, d)) => Some((x, Some(d))),
        None => s.parse::<f64>().ok().map(|x| (x, None)),
    }
}

/// Plain decimals (`-12.345`: a sign, at most 15 significant digits, no exponent) by Clinger's
/// fast path: the digits as an exact integer divided by an exact power of ten is the correctly
/// rounded value, the same f64 as `str::parse`. `None` for anything else. The digits come along.
fn fast_decimal(b: &[u8]) -> Option<(f64, Decimal)> {
    const POW10: [f64; 16] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
    ];
    let (neg, digits) = match b.first()? {
        b'-' => (true, &b[1..]),
        b'+' => (false, &b[1..]),
        _ => (false, b),
    };
    if digits.is_empty() || digits.len() > 17 {
        return None;
    }
    let mut mantissa: u64 = 0;
    let mut count = 0usize;
    let mut frac: Option<usize> = None;
    for (i, &c) in digits.iter().enumerate() {
        match c {
            b'0'..=b'9' => {
                mantissa = mantissa * 10 + u64::from(c - b'0');
                count += 1;
            }
            b'.' if frac.is_none() => frac = Some(i),
            _ => return None,
        }
    }
    if count == 0 || count > 15 {
        return None;
    }
    let scale = frac.map_or(0, |i| digits.len() - i - 1);
    let v = mantissa as f64 / POW10[scale];
    let signed = mantissa as i64;
    let digits = Decimal {
        digits: if neg { -signed } else { signed },
        scale: scale as u8,
    };
    Some((if neg { -v } else { v }, digits))
}

/// Format a number the way a person would have written it in a CSV: whole numbers without a
/// decimal point, others in the shortest form that reads back to the same value.
pub(crate) fn format_number(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{}", x as i64)
    } else {
        format!("{x}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn build(vals: &[&str]) -> Column {
        let mut b = ColumnBuilder::new();
        vals.iter().for_each(|v| b.push(v));
        b.finish("c".into())
    }

    #[test]
    fn numeric_with_na_tokens() {
        let c = build(&["1", " 2.5 ", "NA", "", "?", "null", "NaN", "3e2"]);
        assert_eq!(c.ty, ColumnType::Numeric);
        assert_eq!(c.missing, 5);
        let Values::Numeric(v) = &c.values else {
            panic!()
        };
        assert_eq!(v.get(0), 1.0);
        assert_eq!(v.get(7), 300.0);
        assert!(v.get(2).is_nan());
        // "3e2" has an exponent but is a decimal of the column's scale: the column keeps its
        // digits, short ones (1, 25, 3000 over ten). "1e-9" is not: that column holds doubles.
        assert_eq!(v.value_bytes(), 2);
        let c = build(&["1", "2.5", "1e-9"]);
        let Values::Numeric(v) = &c.values else {
            panic!()
        };
        assert_eq!((v.value_bytes(), v.get(2)), (8, 1e-9));
    }

    #[test]
    fn infinite_is_missing() {
        let mut b = ColumnBuilder::new();
        for v in ["1", "inf", "-Infinity", "2"] {
            b.push(v);
        }
        assert_eq!(b.infinite(), 2);
        assert_eq!(b.finish("x".into()).missing, 2);
    }

    #[test]
    fn mixed_becomes_categorical_keeping_earlier_values() {
        let c = build(&["", "1", "2", "abc", "1"]);
        assert_eq!(c.ty, ColumnType::Categorical);
        let Values::Categorical { codes, levels } = &c.values else {
            panic!()
        };
        assert_eq!(codes[0], MISSING_CODE);
        assert_eq!(codes[1], codes[4]);
        assert_eq!(levels[codes[3] as usize], "abc");
    }

    /// The fast path gives exactly what `str::parse` gives, and declines what it cannot do.
    #[test]
    fn fast_decimals_equal_the_standard_parse() {
        let mut column = Numbers::default();
        let mut parsed = Vec::new();
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for _ in 0..200_000 {
            let r = next();
            let digits = (r % 16) as usize + 1;
            let mantissa = next() % 10u64.pow(digits.min(15) as u32);
            let point = (next() % (digits as u64 + 1)) as usize;
            let mut t = format!("{mantissa:0digits$}");
            if point < t.len() {
                t.insert(point, '.');
            }
            if r & (1 << 40) != 0 {
                t.insert(0, '-');
            }
            let want: Option<f64> = t.parse().ok();
            if let Some((got, digits)) = fast_decimal(t.as_bytes()) {
                assert_eq!(Some(got.to_bits()), want.map(f64::to_bits), "{t}");
                // Held as digits (alone, and in a column of mixed scales), it reads back the same.
                let mut alone = Numbers::default();
                alone.push(got, Some(digits));
                assert_eq!(alone.get(0).to_bits(), got.to_bits(), "{t}");
                column.push(got, Some(digits));
                parsed.push(got);
            }
            assert_eq!(
                parse_number(&t).map(|p| p.0.to_bits()),
                want.map(f64::to_bits),
                "{t}"
            );
        }
        let held: Vec<u64> = column.iter().map(f64::to_bits).collect();
        assert_eq!(held, parsed.iter().map(|x| x.to_bits()).collect::<Vec<_>>());
        for t in [
            "1e5",
            "1.2.3",
            "-",
            ".",
            "+.",
            "12345678901234567",
            "0x10",
            "1_0",
        ] {
            assert_eq!(fast_decimal(t.as_bytes()), None, "{t}");
        }
        let value = |t: &str| fast_decimal(t.as_bytes()).map(|p| p.0);
        assert_eq!(value("-0.465"), Some(-0.465));
        assert_eq!(value(".5"), Some(0.5));
        assert_eq!(value("7."), Some(7.0));
    }

    #[test]
    fn booleans_from_words_and_01() {
        assert_eq!(build(&["yes", "no", "Yes", ""]).ty, ColumnType::Boolean);
        assert_eq!(build(&["0", "1", "1"]).ty, ColumnType::Boolean);
        assert_eq!(build(&["1", "1", "1"]).ty, ColumnType::Numeric);
    }

    #[test]
    fn datetimes_and_demotion() {
        let c = build(&["2020-01-01", "2020-01-02T10:00:00", "NA"]);
        assert_eq!(c.ty, ColumnType::Datetime);
        let c = build(&["2020-01-01", "later"]);
        assert_eq!(c.ty, ColumnType::Categorical);
        let Values::Categorical { levels, .. } = &c.values else {
            panic!()
        };
        assert!(levels.contains(&"2020-01-01".to_string()));
    }

    #[test]
    fn identifiers_are_near_unique_strings() {
        let vals: Vec<String> = (0..30).map(|i| format!("cust-{i}")).collect();
        let refs: Vec<&str> = vals.iter().map(String::as_str).collect();
        assert_eq!(build(&refs).ty, ColumnType::Identifier);
    }

    #[test]
    fn all_missing_is_numeric_all_nan() {
        let c = build(&["", "NA"]);
        assert_eq!(c.missing, 2);
        assert_eq!(c.len(), 2);
    }
}
