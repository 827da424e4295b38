//! Every valid corpus file cut at every byte, and with bytes appended: never a panic, and the problems
//! are where the cut is.

mod common;

use std::path::PathBuf;

use mmstats_reader::{scan, ErrorCode};

/// Valid files: the 0.8 corpus and the conformance corpus' valid/ tree.
fn valid_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = common::pairs(&common::golden_08_dir()).into_iter().map(|(f, _)| f).collect();
    let golden = files.len();
    let valid = common::conformance_dir().join("valid");
    for topic in std::fs::read_dir(&valid).unwrap_or_else(|e| panic!("{}: {e}", valid.display())) {
        files.extend(common::pairs(&topic.unwrap().path()).into_iter().map(|(f, _)| f));
    }
    assert!(golden >= 20 && files.len() > golden + 20, "{golden} 0.8 files, {} in all", files.len());
    files
}

#[test]
fn every_prefix_of_every_valid_file() {
    let files = valid_files();
    for path in &files {
        let data = std::fs::read(path).unwrap();
        let (full, errors) = scan(&data);
        assert!(errors.is_empty(), "{}: {errors:?}", path.display());
        for len in 0..data.len() {
            let prefix = &data[..len];
            let (fields, problems) = scan(prefix);
            let at = |what: &str| format!("{} cut at {len}: {what}: {problems:?}", path.display());
            if len == 0 {
                assert_eq!(problems.len(), 1, "{}", at("empty"));
                assert_eq!(problems[0].code, ErrorCode::NotReady);
                continue;
            }
            // A cut file is a multiple of a page only when cut at a page boundary of a longer file.
            if len % common::PAGE != 0 {
                let last = problems.last().expect("a cut file has problems");
                assert_eq!((last.code, last.offset), (ErrorCode::BadFileSize, len as u64), "{}", at("size"));
            }
            assert!(problems.windows(2).all(|w| w[0].offset <= w[1].offset), "{}", at("order"));
            assert!(problems.iter().all(|p| p.offset <= len as u64), "{}", at("past the cut"));
            // Records that end before the cut are found exactly as in the whole file.
            let whole: Vec<_> = full.iter().filter(|f| f.end() <= len).cloned().collect();
            assert_eq!(fields, whole, "{}", at("fields"));
            // A cut inside a record is a structural problem inside that record, unless the one byte
            // left is a zero low byte of a label size (a lone zero byte ends the list).
            let structural = problems.len() - usize::from(len % common::PAGE != 0);
            match full.iter().find(|f| f.offset < len && len < f.end()) {
                Some(cut) if !(len == cut.offset + 1 && data[cut.offset] == 0) => {
                    assert_eq!(structural, 1, "{}", at("one structural problem"));
                    let p = &problems[0];
                    assert!(
                        matches!(p.code, ErrorCode::TruncatedRecord | ErrorCode::PastEof),
                        "{}",
                        at("structural code")
                    );
                    assert!(cut.offset as u64 <= p.offset, "{}", at("inside the record"));
                }
                _ => assert_eq!(structural, 0, "{}", at("only the size")),
            }
        }
    }
}

/// What `extra` appended to a valid file of `size` bytes whose records end at `records_end` gives,
/// before the size rule: worked out from the bytes, independently of the scanner.
fn appended_problem(size: usize, records_end: usize, extra: &[u8]) -> Option<(ErrorCode, u64)> {
    let total = size + extra.len();
    // From records_end on, the valid file holds only zero fill; then come the extra bytes.
    let byte = |i: usize| if i < size { 0 } else { extra[i - size] };
    match total - records_end {
        0 => None,
        // One byte left: a lone zero ends the list, a non-zero one is a cut label size.
        1 => (byte(records_end) != 0).then_some((ErrorCode::TruncatedRecord, records_end as u64)),
        _ => match usize::from(u16::from_le_bytes([byte(records_end), byte(records_end + 1)])) {
            0 => (records_end..total).find(|&i| byte(i) != 0).map(|i| (ErrorCode::TrailingGarbage, i as u64)),
            label_size => {
                let label_at = records_end + 2;
                assert!(label_at + label_size > total, "the cases here never hold a whole label");
                Some((ErrorCode::PastEof, label_at as u64))
            }
        },
    }
}

#[test]
fn trailing_bytes_after_a_valid_file() {
    let files = valid_files();
    for path in &files {
        let data = std::fs::read(path).unwrap();
        let (full, _) = scan(&data);
        let records_end = full.last().map_or(1, |f| f.end());
        for extra in [&[0u8][..], &[0x2a], &[0, 0x2a], &[0, 0, 0x2a], &[0x2a; 4096]] {
            let mut longer = data.clone();
            longer.extend(extra);
            let (fields, problems) = scan(&longer);
            let codes: Vec<_> = problems.iter().map(|p| (p.code, p.offset)).collect();
            let mut want: Vec<_> = appended_problem(data.len(), records_end, extra).into_iter().collect();
            if longer.len() % common::PAGE != 0 {
                want.push((ErrorCode::BadFileSize, longer.len() as u64));
            }
            assert_eq!(codes, want, "{} + {:?}", path.display(), &extra[..extra.len().min(3)]);
            assert_eq!(fields, full, "{}", path.display());
        }
    }
}
