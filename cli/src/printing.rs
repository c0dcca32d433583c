//! Printing to standard output and standard error that survives a reader
//! who left (`suno tasks | head -1`, `suno worker 2>&1 | head`, a pipe
//! closed by whoever started `suno mock`): a line that cannot be written is
//! dropped, where `println!` and `eprintln!` would panic and turn the
//! command's exit code into 101. `cli/clippy.toml` forbids the std macros.

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

/// `tell!` that drops what a closed standard error cannot take.
macro_rules! tell {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr().lock(), $($arg)*);
    }};
}
