//! The fs example: writes, reads and lists files inside a granted directory, then shows that a
//! path outside the grant fails cleanly.
//!
//! Usage: `loop run fs.wasm --dir ./data::/data -- /data`

use std::fs;
use std::path::Path;
use std::process::ExitCode;

fn main() -> ExitCode {
    let dir = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "/data".to_string());
    let dir = Path::new(&dir);
    let note = dir.join("note.txt");
    let text = "written by the fs example\n";
    if let Err(e) = fs::write(&note, text) {
        eprintln!("fs: cannot write {}: {e}", note.display());
        return ExitCode::FAILURE;
    }
    match fs::read_to_string(&note) {
        Ok(back) => print!("read back {}: {back}", note.display()),
        Err(e) => {
            eprintln!("fs: cannot read {}: {e}", note.display());
            return ExitCode::FAILURE;
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
    // Outside the grant: both an absolute path and an escape through `..` must fail.
    for outside in ["/etc/passwd", &format!("{}/../etc/passwd", dir.display())] {
        match fs::read_to_string(outside) {
            Ok(_) => {
                eprintln!("fs: read {outside} although it is outside the granted directory");
                return ExitCode::from(2);
            }
            Err(e) => println!("outside the grant, {outside} is not readable: {e}"),
        }
    }
    ExitCode::SUCCESS
}
