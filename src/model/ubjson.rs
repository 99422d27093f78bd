//! Just enough UBJSON to read `learner.feature_names` from an XGBoost `.ubj` model (hessboost
//! decodes the trees but does not expose the names). Bounded: no recursion beyond
//! [`MAX_DEPTH`], no allocation beyond the input's size.

/// Containers nested deeper than this are refused.
const MAX_DEPTH: usize = 64;

/// The feature names, or `None` when the model has none (or the bytes are not UBJSON).
pub fn feature_names(bytes: &[u8]) -> Option<Vec<String>> {
    // Object keys are written without the 'S' marker: a length (any integer marker, XGBoost
    // uses int64) then the bytes.
    let key = b"feature_names";
    let start = bytes.windows(key.len()).enumerate().find_map(|(p, w)| {
        if w != key {
            return None;
        }
        [(b'U', 1), (b'i', 1), (b'I', 2), (b'l', 4), (b'L', 8)]
            .iter()
            .any(|&(marker, width)| {
                p > width
                    && bytes[p - width - 1] == marker
                    && (Reader {
                        bytes,
                        pos: p - width,
                    })
                    .int(marker)
                        == Some(key.len() as i64)
            })
            .then_some(p + key.len())
    })?;
    let mut r = Reader { bytes, pos: start };
    let value = r.value(0)?;
    let names: Vec<String> = match value {
        Value::Array(items) => items
            .into_iter()
            .map(|v| match v {
                Value::Str(s) => Some(s),
                _ => None,
            })
            .collect::<Option<_>>()?,
        _ => return None,
    };
    (!names.is_empty()).then_some(names)
}

#[derive(Debug, PartialEq)]
enum Value {
    Scalar,
    Str(String),
    Array(Vec<Value>),
}

struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl Reader<'_> {
    fn byte(&mut self) -> Option<u8> {
        let b = *self.bytes.get(self.pos)?;
        self.pos += 1;
        Some(b)
    }

    fn take(&mut self, n: usize) -> Option<&[u8]> {
        let end = self.pos.checked_add(n)?;
        let s = self.bytes.get(self.pos..end)?;
        self.pos = end;
        Some(s)
    }

    fn int(&mut self, marker: u8) -> Option<i64> {
        Some(match marker {
            b'i' => self.byte()? as i8 as i64,
            b'U' => self.byte()? as i64,
            b'I' => i16::from_be_bytes(self.take(2)?.try_into().ok()?) as i64,
            b'l' => i32::from_be_bytes(self.take(4)?.try_into().ok()?) as i64,
            b'L' => i64::from_be_bytes(self.take(8)?.try_into().ok()?),
            _ => return None,
        })
    }

    fn len(&mut self) -> Option<usize> {
        let m = self.byte()?;
        let n = usize::try_from(self.int(m)?).ok()?;
        // Every element takes at least one byte.
        (n <= self.bytes.len()).then_some(n)
    }

    fn typed(&mut self, marker: u8, depth: usize) -> Option<Value> {
        if depth > MAX_DEPTH {
            return None;
        }
        Some(match marker {
            b'Z' | b'T' | b'F' => Value::Scalar,
            b'i' | b'U' | b'I' | b'l' | b'L' => {
                self.int(marker)?;
                Value::Scalar
            }
            b'd' => {
                self.take(4)?;
                Value::Scalar
            }
            b'D' => {
                self.take(8)?;
                Value::Scalar
            }
            b'C' => {
                self.take(1)?;
                Value::Scalar
            }
            b'S' | b'H' => {
                let n = self.len()?;
                Value::Str(String::from_utf8(self.take(n)?.to_vec()).ok()?)
            }
            b'[' => Value::Array(self.array(depth + 1)?),
            b'{' => {
                self.object(depth + 1)?;
                Value::Scalar
            }
            _ => return None,
        })
    }

    fn value(&mut self, depth: usize) -> Option<Value> {
        let mut m = self.byte()?;
        while m == b'N' {
            m = self.byte()?;
        }
        self.typed(m, depth)
    }

    /// Optimised container header: `$type` and/or `#count`.
    fn header(&mut self) -> Option<(Option<u8>, Option<usize>)> {
        let mut ty = None;
        if self.bytes.get(self.pos) == Some(&b'$') {
            self.pos += 1;
            ty = Some(self.byte()?);
        }
        let mut count = None;
        if self.bytes.get(self.pos) == Some(&b'#') {
            self.pos += 1;
            count = Some(self.len()?);
        }
        if ty.is_some() && count.is_none() {
            return None;
        }
        Some((ty, count))
    }

    fn array(&mut self, depth: usize) -> Option<Vec<Value>> {
        let (ty, count) = self.header()?;
        let mut items = Vec::new();
        match count {
            Some(n) => {
                for _ in 0..n {
                    items.push(match ty {
                        Some(t) => self.typed(t, depth)?,
                        None => self.value(depth)?,
                    });
                }
            }
            None => loop {
                if self.bytes.get(self.pos) == Some(&b']') {
                    self.pos += 1;
                    break;
                }
                items.push(self.value(depth)?);
            },
        }
        Some(items)
    }

    fn object(&mut self, depth: usize) -> Option<()> {
        let (ty, count) = self.header()?;
        let entry = |r: &mut Self| -> Option<()> {
            let n = r.len()?;
            r.take(n)?;
            match ty {
                Some(t) => r.typed(t, depth)?,
                None => r.value(depth)?,
            };
            Some(())
        };
        match count {
            Some(n) => (0..n).try_for_each(|_| entry(self)),
            None => loop {
                if self.bytes.get(self.pos) == Some(&b'}') {
                    self.pos += 1;
                    return Some(());
                }
                entry(self)?;
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_names_in_plain_and_counted_arrays() {
        let mut doc = b"{U\x0dfeature_names[SU\x01aSU\x02bc]}".to_vec();
        assert_eq!(feature_names(&doc), Some(vec!["a".into(), "bc".into()]));
        doc = b"{L\0\0\0\0\0\0\0\x0dfeature_names[SU\x01aSU\x02bc]}".to_vec();
        assert_eq!(feature_names(&doc), Some(vec!["a".into(), "bc".into()]));
        doc = b"{U\x0dfeature_names[$S#U\x02U\x01aU\x01b}".to_vec();
        assert_eq!(feature_names(&doc), Some(vec!["a".into(), "b".into()]));
    }

    #[test]
    fn refuses_truncated_and_hostile_input() {
        assert_eq!(feature_names(b"{U\x0dfeature_names[SU\x09ab"), None);
        assert_eq!(
            feature_names(b"{U\x0dfeature_names[#L\x7f\xff\xff\xff\xff\xff\xff\xff"),
            None
        );
        let deep = [b"{U\x0dfeature_names".to_vec(), vec![b'['; 500]].concat();
        assert_eq!(feature_names(&deep), None);
    }
}
