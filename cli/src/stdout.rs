//! Printing to standard output that survives a reader who left
//! (`suno tasks | head -1`, a pipe closed by whoever started `suno mock`):
//! a line that cannot be written is dropped, where `println!` would panic.

/// `println!` that drops what a closed standard output cannot take.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout().lock(), $($arg)*);
    }};
}

/// `print!` that drops what a closed standard output cannot take.
macro_rules! put {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let mut out = std::io::stdout().lock();
        let _ = write!(out, $($arg)*);
        let _ = out.flush();
    }};
}
