//! The fs example: writes, reads and lists files inside a granted directory, then shows that a
//! path outside the grant fails cleanly.
//!
//! Usage: `loop run --dir ./data::/data fs.wasm /data [PATH...]`: every extra PATH must be
//! unreadable too (e.g. a symlink planted in the granted directory that points outside it).

use std::fs;
use std::path::Path;
use std::process::ExitCode;

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let dir = args.next().unwrap_or_else(|| "/data".to_string());
    let extra: Vec<String> = args.collect();
    let dir = Path::new(&dir);
    let note = dir.join("note.txt");
    let text = "written by the fs example\n";
    // A failed write (e.g. a read-only grant) is reported, but the outside checks still run.
    let wrote = match fs::write(&note, text) {
        Ok(()) => true,
        Err(e) => {
            eprintln!("fs: cannot write {}: {e}", note.display());
            false
        }
    };
    if wrote {
        match fs::read_to_string(&note) {
            Ok(back) => print!("read back {}: {back}", note.display()),
            Err(e) => {
                eprintln!("fs: cannot read {}: {e}", note.display());
                return ExitCode::FAILURE;
            }
        }
    }
    let mut names: Vec<String> = match fs::read_dir(dir) {
        Ok(entries) => entries
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect(),
        Err(e) => {
            eprintln!("fs: cannot list {}: {e}", dir.display());
            return ExitCode::FAILURE;
        }
    };
    names.sort();
    println!("{} holds: {}", dir.display(), names.join(", "));
    // Outside the grant: an absolute path, an escape through `..` and every extra path must fail.
    let mut outside_paths = vec![
        "/etc/passwd".to_string(),
        format!("{}/../etc/passwd", dir.display()),
    ];
    outside_paths.extend(extra);
    for outside in &outside_paths {
        match fs::read_to_string(outside) {
            Ok(_) => {
                eprintln!("fs: read {outside} although it is outside the granted directory");
                return ExitCode::from(2);
            }
            Err(e) => println!("outside the grant, {outside} is not readable: {e}"),
        }
    }
    if wrote {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
