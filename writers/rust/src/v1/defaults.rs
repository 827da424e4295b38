//! The default fields and the default file name (spec "Default fields", "Directory and file names").

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use super::desc::{FieldDesc, Initial};

/// The file name template when `MMSTATS_FILES` is unset or empty.
pub const DEFAULT_FILENAME: &str = "{CMD}-{PID}-{TID}.mmstats";
/// `{CMD}` when the program name is empty.
pub const DEFAULT_COMMAND: &str = "rust";
/// The label of this writer's runtime version (a Rust writer does not claim `org.python.version`).
pub const VERSION_LABEL: &str = "org.rust-lang.version";

/// The compiler that built this writer, e.g. "rustc 1.95.0 (59807616e 2026-04-14)".
pub const RUNTIME_VERSION: &str = env!("MMSTATS_RUSTC_VERSION");

/// The six recommended default fields, unbuffered, with this process's values, each label after
/// `prefix` (e.g. "web.stats."): sys.pid I, sys.tid q, sys.uid Q, sys.gid Q, the runtime version 256s,
/// sys.created d. Looked up at each call, so every thread's file carries its own values.
pub fn default_fields(prefix: &str) -> Vec<FieldDesc> {
    let created = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0.0, |d| d.as_secs_f64());
    // SAFETY: these calls have no preconditions and cannot fail.
    let (uid, gid) = unsafe { (libc::getuid(), libc::getgid()) };
    let field = |label: &str, signature: &str, value| {
        FieldDesc::new(format!("{prefix}{label}"), signature, false).with_initial(value)
    };
    vec![
        field("sys.pid", "I", Initial::Int(std::process::id().into())),
        field("sys.tid", "q", Initial::Int(thread_id().into())),
        field("sys.uid", "Q", Initial::Int(uid.into())),
        field("sys.gid", "Q", Initial::Int(gid.into())),
        field(VERSION_LABEL, "256s", Initial::Text(RUNTIME_VERSION.to_string())),
        field("sys.created", "d", Initial::Float(created)),
    ]
}

/// The operating system's id of the calling thread (`gettid()`), the `{TID}` of file names.
pub fn thread_id() -> i64 {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: gettid has no preconditions and cannot fail.
        i64::from(unsafe { libc::gettid() })
    }
    #[cfg(not(target_os = "linux"))]
    {
        i64::from(std::process::id())
    }
}

/// The default path of the calling thread's file: directory `MMSTATS_PATH` (else the system's temporary
/// directory), name from the template `MMSTATS_FILES` (else `{CMD}-{PID}-{TID}.mmstats`).
pub fn default_path() -> PathBuf {
    path_from(std::env::var_os("MMSTATS_PATH"), std::env::var_os("MMSTATS_FILES"))
}

/// The calling thread's path given the values of `MMSTATS_PATH` and `MMSTATS_FILES` (unset or empty:
/// the system's temporary directory, `{CMD}-{PID}-{TID}.mmstats`).
pub fn path_from(dir: Option<OsString>, template: Option<OsString>) -> PathBuf {
    let dir = dir.filter(|v| !v.is_empty()).unwrap_or_else(|| std::env::temp_dir().into_os_string());
    let template = template.filter(|v| !v.is_empty()).unwrap_or_else(|| DEFAULT_FILENAME.into());
    let cmd = std::env::args_os().next().map(|a| command_name(Path::new(&a))).unwrap_or_default();
    let cmd = if cmd.is_empty() { DEFAULT_COMMAND.to_string() } else { cmd };
    let expand = |t: OsString| expand(&t.to_string_lossy(), &cmd, std::process::id(), thread_id());
    PathBuf::from(expand(dir)).join(expand(template))
}

/// `{CMD}`: the base name of the program without its extension ("" when there is none).
pub fn command_name(argv0: &Path) -> String {
    argv0.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default()
}

/// Substitutes `{CMD}`, `{PID}` and `{TID}`; other text, other braces included, stays as it is.
pub fn expand(template: &str, cmd: &str, pid: u32, tid: i64) -> String {
    template.replace("{CMD}", cmd).replace("{PID}", &pid.to_string()).replace("{TID}", &tid.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(expand(DEFAULT_FILENAME, "web", 12, 34), "web-12-34.mmstats");
        assert_eq!(expand("{CMD}.{x}{PID}{TID}", "a", 1, 2), "a.{x}12");
        assert_eq!(command_name(Path::new("/usr/bin/server.py")), "server");
        assert_eq!(command_name(Path::new("tool")), "tool");
        assert_eq!(command_name(Path::new("")), "");
    }

    #[test]
    fn default_fields_carry_this_process() {
        let fields = default_fields("web.");
        let labels: Vec<_> = fields.iter().map(|f| f.label.as_str()).collect();
        assert_eq!(
            labels,
            [
                "web.sys.pid",
                "web.sys.tid",
                "web.sys.uid",
                "web.sys.gid",
                "web.org.rust-lang.version",
                "web.sys.created"
            ]
        );
        assert_eq!(fields[0].initial, Some(Initial::Int(std::process::id().into())));
        assert!(fields.iter().all(|f| !f.buffered));
        assert!(RUNTIME_VERSION.starts_with("rustc "), "{RUNTIME_VERSION}");
        assert!(matches!(fields[5].initial, Some(Initial::Float(t)) if t > 1.5e9));
    }
}
