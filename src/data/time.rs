//! ISO-8601 dates and timestamps to and from seconds since the Unix epoch, without a date crate.

/// Parse `YYYY-MM-DD`, optionally followed by `T` or a space and `HH:MM[:SS[.fff]]`, an optional
/// `Z` or `±HH:MM` offset. Returns seconds since 1970-01-01T00:00:00Z.
pub fn parse_iso(s: &str) -> Option<f64> {
    let b = s.as_bytes();
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let year = digits(&b[0..4])? as i64;
    let month = digits(&b[5..7])?;
    let day = digits(&b[8..10])?;
    if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
        return None;
    }
    let mut secs = days_from_civil(year, month, day) as f64 * 86_400.0;
    let rest = &b[10..];
    if rest.is_empty() {
        return Some(secs);
    }
    if rest[0] != b'T' && rest[0] != b' ' || rest.len() < 6 || rest[3] != b':' {
        return None;
    }
    let hour = digits(&rest[1..3])? as f64;
    let minute = digits(&rest[4..6])? as f64;
    if hour > 23.0 || minute > 59.0 {
        return None;
    }
    secs += hour * 3600.0 + minute * 60.0;
    let mut i = 6;
    if rest.len() >= 9 && rest[6] == b':' {
        let sec = digits(&rest[7..9])? as f64;
        if sec > 60.0 {
            return None;
        }
        secs += sec;
        i = 9;
        if rest.len() > 9 && rest[9] == b'.' {
            let mut j = 10;
            let mut scale = 0.1;
            while j < rest.len() && rest[j].is_ascii_digit() {
                secs += f64::from(rest[j] - b'0') * scale;
                scale /= 10.0;
                j += 1;
            }
            if j == 10 {
                return None;
            }
            i = j;
        }
    }
    let tz = &rest[i..];
    match tz {
        [] | [b'Z'] => Some(secs),
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
            let off = digits(&[*h1, *h2])? as f64 * 3600.0 + digits(&[*m1, *m2])? as f64 * 60.0;
            Some(if *sign == b'+' {
                secs - off
            } else {
                secs + off
            })
        }
        _ => None,
    }
}

/// Format epoch seconds as `YYYY-MM-DD` (midnight) or `YYYY-MM-DDTHH:MM:SS`.
pub fn format_iso(secs: f64) -> String {
    let days = (secs / 86_400.0).floor() as i64;
    let rem = (secs - days as f64 * 86_400.0).round() as i64;
    let (y, m, d) = civil_from_days(days);
    if rem == 0 {
        format!("{y:04}-{m:02}-{d:02}")
    } else {
        format!(
            "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}",
            rem / 3600,
            rem / 60 % 60,
            rem % 60
        )
    }
}

fn digits(b: &[u8]) -> Option<u32> {
    b.iter().try_fold(0u32, |acc, &c| {
        c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0'))
    })
}

fn is_leap(y: i64) -> bool {
    y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Howard Hinnant's days-from-civil algorithm.
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_dates_and_timestamps() {
        assert_eq!(parse_iso("1970-01-01"), Some(0.0));
        assert_eq!(parse_iso("1970-01-02T00:00:01Z"), Some(86_401.0));
        assert_eq!(parse_iso("1970-01-01 01:00"), Some(3600.0));
        assert_eq!(parse_iso("1970-01-01T01:00:00+01:00"), Some(0.0));
        assert_eq!(parse_iso("2024-02-29"), Some(19_782.0 * 86_400.0));
        assert_eq!(parse_iso("2023-02-29"), None);
        assert_eq!(parse_iso("2023-13-01"), None);
        assert_eq!(parse_iso("hello world"), None);
        assert_eq!(parse_iso("2023-01-01Tjunk"), None);
    }

    #[test]
    fn round_trips() {
        for s in ["2021-06-30", "1999-12-31T23:59:59", "1901-03-01"] {
            assert_eq!(format_iso(parse_iso(s).unwrap()), s);
        }
    }
}
