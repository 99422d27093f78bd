//! Parallel reading of an uncompressed delimited file. The file is read in blocks of a few
//! megabytes, each cut at the last record boundary (a line end outside quoted text, found with
//! the CSV quoting rules); a wave of blocks is parsed and typed on the rayon pool, one set of
//! column builders per block, and the builders are appended in file order. The result is the
//! one a single sequential pass gives, value for value: a block whose column disagrees in type
//! with the rows before it is re-pushed field by field (see [`ColumnBuilder::append`]).

use std::io::Read;
use std::path::Path;

use rayon::prelude::*;

use super::builder::ColumnBuilder;
use crate::error::{Error, Result};

/// Bytes per block.
pub const BLOCK: usize = 4 << 20;

/// One parsed block.
pub struct Block {
    /// The block's bytes (whole records).
    pub bytes: Vec<u8>,
    /// File line of its first byte (1-based).
    pub first_line: u64,
    /// Typed columns of its rows.
    pub builders: Vec<ColumnBuilder>,
    /// Data rows in it.
    pub rows: u64,
}

/// The end of the last complete record in `b` (just after its line feed), reading it with the
/// CSV quoting rules from a record boundary: a quote opens quoted text only at the start of a
/// field, `""` inside quoted text is a quote. `None` when no record ends in `b`.
pub fn last_record_end(b: &[u8], delimiter: u8) -> Option<usize> {
    // Without a quote the last line feed ends the last record.
    if memchr::memchr(b'"', b).is_none() {
        return memchr::memrchr(b'\n', b).map(|i| i + 1);
    }
    let mut last = None;
    let mut quoted = false;
    let mut field_start = true;
    let mut i = 0;
    let n = b.len();
    while i < n {
        let c = b[i];
        if quoted {
            if c == b'"' {
                if i + 1 == n {
                    // An escaped quote may continue in the next block: stop here.
                    return last;
                }
                if b[i + 1] == b'"' {
                    i += 2;
                    continue;
                }
                quoted = false;
            }
            i += 1;
            continue;
        }
        if c == b'\n' {
            last = Some(i + 1);
            field_start = true;
        } else if c == b'"' && field_start {
            quoted = true;
            field_start = false;
        } else if c == delimiter {
            field_start = true;
        } else if c != b'\r' {
            field_start = false;
        }
        i += 1;
    }
    last
}

/// Reads whole-record blocks from a stream.
pub struct Blocks<R: Read> {
    inner: R,
    block: usize,
    delimiter: u8,
    carry: Vec<u8>,
    eof: bool,
    next_line: u64,
    /// Bytes handed out so far.
    pub bytes_read: u64,
}

impl<R: Read> Blocks<R> {
    /// Blocks of about `block` bytes of `inner`, whose first byte is on file line `first_line`.
    pub fn new(inner: R, block: usize, delimiter: u8, first_line: u64) -> Self {
        Blocks {
            inner,
            block: block.max(1),
            delimiter,
            carry: Vec::new(),
            eof: false,
            next_line: first_line,
            bytes_read: 0,
        }
    }

    /// The next block of whole records and its first line, or `None` at the end.
    pub fn next_block(&mut self) -> std::io::Result<Option<(Vec<u8>, u64)>> {
        let mut buf = std::mem::take(&mut self.carry);
        loop {
            if !self.eof {
                // Up to a block more: reserved (not written) first, then read into.
                buf.reserve(self.block);
                let want = self.block as u64;
                let got = (&mut self.inner).take(want).read_to_end(&mut buf)?;
                if (got as u64) < want {
                    self.eof = true;
                }
            }
            if self.eof {
                if buf.is_empty() {
                    return Ok(None);
                }
                return Ok(Some(self.hand_out(buf)));
            }
            if let Some(cut) = last_record_end(&buf, self.delimiter) {
                self.carry = buf[cut..].to_vec();
                buf.truncate(cut);
                return Ok(Some(self.hand_out(buf)));
            }
            // One record longer than a block: read on.
        }
    }

    fn hand_out(&mut self, buf: Vec<u8>) -> (Vec<u8>, u64) {
        let line = self.next_line;
        self.next_line += memchr_count(b'\n', &buf);
        self.bytes_read += buf.len() as u64;
        (buf, line)
    }
}

fn memchr_count(needle: u8, hay: &[u8]) -> u64 {
    memchr::memchr_iter(needle, hay).count() as u64
}

/// What a record looks like to the reader: its fields, or the reason it is refused.
pub enum Record<'a> {
    /// Data fields.
    Fields(&'a [&'a str]),
    /// A blank line (skipped).
    Blank,
}

/// Parse records of `bytes` (whole records) and hand each to `each` with its file line.
pub fn for_each_record(
    bytes: &[u8],
    delimiter: u8,
    first_line: u64,
    path: &Path,
    columns: usize,
    mut each: impl FnMut(u64, Record) -> Result<()>,
) -> Result<()> {
    let mut csv = Records::new(bytes, delimiter);
    let mut record = csv::ByteRecord::new();
    let mut spare: Vec<&str> = Vec::new();
    loop {
        let more = csv.next(&mut record, path)?;
        if !more {
            return Ok(());
        }
        let line = first_line + record.position().map_or(1, |p| p.line()) - 1;
        // The field vector's allocation is reused from record to record.
        let mut fields: Vec<&str> = std::mem::take(&mut spare).into_iter().map(|_| "").collect();
        decode_into(&record, path, line, &mut fields)?;
        if is_blank(&fields, columns) {
            each(line, Record::Blank)?;
        } else {
            each(line, Record::Fields(&fields))?;
        }
        fields.clear();
        spare = fields.into_iter().map(|_| "").collect();
    }
}

/// Records of whole-record bytes, as the reader reads them (no header row, rows of any length).
pub struct Records<'a> {
    csv: csv::Reader<&'a [u8]>,
}

impl<'a> Records<'a> {
    pub fn new(bytes: &'a [u8], delimiter: u8) -> Self {
        Records {
            csv: csv::ReaderBuilder::new()
                .delimiter(delimiter)
                .has_headers(false)
                .flexible(true)
                .from_reader(bytes),
        }
    }

    /// Read the next record into `record`; `false` at the end.
    pub fn next(&mut self, record: &mut csv::ByteRecord, path: &Path) -> Result<bool> {
        self.csv
            .read_byte_record(record)
            .map_err(|e| Error::Malformed {
                path: path.into(),
                message: e.to_string(),
            })
    }

    /// Bytes consumed so far.
    pub fn offset(&self) -> usize {
        self.csv.position().byte() as usize
    }
}

/// A record's fields as text: NUL bytes and invalid UTF-8 are refused with the line.
pub fn decode<'r>(record: &'r csv::ByteRecord, path: &Path, line: u64) -> Result<Vec<&'r str>> {
    let mut fields = Vec::with_capacity(record.len());
    decode_into(record, path, line, &mut fields)?;
    Ok(fields)
}

/// [`decode`] into a reused vector: the record's bytes are checked once (fields split at ASCII
/// delimiters are then valid text each).
pub fn decode_into<'r>(
    record: &'r csv::ByteRecord,
    path: &Path,
    line: u64,
    fields: &mut Vec<&'r str>,
) -> Result<()> {
    let all = record.as_slice();
    if memchr::memchr(0, all).is_some() {
        return Err(Error::Undecodable {
            path: path.into(),
            line,
            what: "contains a NUL byte (is this a binary file?)".into(),
        });
    }
    let invalid = || Error::Undecodable {
        path: path.into(),
        line,
        what: "invalid UTF-8 (re-save the file as UTF-8)".into(),
    };
    let text = std::str::from_utf8(all).map_err(|_| invalid())?;
    fields.clear();
    for i in 0..record.len() {
        // A field must be text on its own: the halves of a character split by a delimiter
        // join into valid text, but neither half is.
        let field = record
            .range(i)
            .and_then(|r| text.get(r))
            .ok_or_else(invalid)?;
        fields.push(field);
    }
    Ok(())
}

/// Whether a record is a blank line (one empty field in a table of several columns): skipped.
pub fn is_blank(fields: &[&str], columns: usize) -> bool {
    fields.len() == 1 && fields[0].trim().is_empty() && columns > 1
}

/// Parse and type a wave of blocks in parallel; results in file order.
pub fn parse_wave(
    blocks: Vec<(Vec<u8>, u64)>,
    delimiter: u8,
    path: &Path,
    columns: usize,
) -> Vec<Result<Block>> {
    blocks
        .into_par_iter()
        .map(|(bytes, first_line)| {
            let mut builders: Vec<ColumnBuilder> =
                (0..columns).map(|_| ColumnBuilder::new()).collect();
            let mut rows = 0u64;
            for_each_record(&bytes, delimiter, first_line, path, columns, |line, r| {
                match r {
                    Record::Blank => {}
                    Record::Fields(fields) => {
                        if fields.len() != columns {
                            return Err(Error::RaggedRow {
                                path: path.into(),
                                line,
                                expected: columns,
                                found: fields.len(),
                            });
                        }
                        rows += 1;
                        builders.iter_mut().zip(fields).for_each(|(b, f)| b.push(f));
                    }
                }
                Ok(())
            })?;
            Ok(Block {
                bytes,
                first_line,
                builders,
                rows,
            })
        })
        .collect()
}

/// Append a parsed block to the file's builders in order: builder by builder, and where a
/// column's type disagrees with the rows before it, its raw fields pushed one by one (what a
/// sequential pass does).
pub fn append(into: &mut [ColumnBuilder], block: Block, delimiter: u8, path: &Path) -> Result<()> {
    let mut conflicts = Vec::new();
    for (j, (b, other)) in into.iter_mut().zip(block.builders).enumerate() {
        if b.append(other).is_err() {
            conflicts.push(j);
        }
    }
    if conflicts.is_empty() {
        return Ok(());
    }
    let columns = into.len();
    for_each_record(
        &block.bytes,
        delimiter,
        block.first_line,
        path,
        columns,
        |_, r| {
            if let Record::Fields(fields) = r {
                for &j in &conflicts {
                    into[j].push(fields[j]);
                }
            }
            Ok(())
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_end_outside_quotes_only() {
        assert_eq!(last_record_end(b"a,b\n1,2\n3,", b','), Some(8));
        assert_eq!(last_record_end(b"a,\"x\ny\"\n", b','), Some(8));
        assert_eq!(last_record_end(b"a,\"x\ny", b','), None);
        // An escaped quote inside quotes, and a literal quote inside an unquoted field.
        assert_eq!(last_record_end(b"\"a\"\"\nb\"\nc", b','), Some(8));
        assert_eq!(last_record_end(b"5\" tall,2\nx", b','), Some(10));
        // A quote at the very end may be half of an escaped pair: not a boundary yet.
        assert_eq!(last_record_end(b"1\n\"a\n\"", b','), Some(2));
    }
}
