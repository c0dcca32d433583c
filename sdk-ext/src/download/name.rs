//! Safe file names from what a task says about its files: a title and an
//! id become a name that stays inside the target directory on every
//! platform. A leaf.

/// The longest name kept, in bytes, before the extension.
const MAX_STEM_BYTES: usize = 120;

/// Names Windows reserves for devices, whatever the extension.
const RESERVED: [&str; 22] = [
    "CON", "PRN", "AUX", "NUL", "COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7", "COM8",
    "COM9", "LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9",
];

/// A file stem from a title and an id (`Night Drive-e231ab`): no path
/// separators, no `..`, no control or reserved characters, no reserved
/// device name, at most 120 bytes cut on a character boundary, never
/// empty. The id keeps two tracks of one title apart.
pub fn file_stem(title: Option<&str>, id: &str) -> String {
    let title = clean(title.unwrap_or(""));
    let id = clean(id);
    let joined = match (title.is_empty(), id.is_empty()) {
        (false, false) => format!("{title}-{id}"),
        (false, true) => title,
        (true, false) => id,
        (true, true) => "file".to_owned(),
    };
    let mut stem = cut(&joined, MAX_STEM_BYTES)
        .trim_matches(|c: char| matches!(c, '.' | ' ' | '_' | '-'))
        .to_owned();
    if stem.is_empty() {
        stem = "file".to_owned();
    }
    let device = stem.split('.').next().unwrap_or("").to_ascii_uppercase();
    if RESERVED.contains(&device.as_str()) {
        stem.insert(0, '_');
    }
    stem
}

/// Path separators, control characters and the characters Windows
/// refuses (`<>:"|?*`) become `_`, runs of which collapse; `..` cannot
/// survive as dots are only kept singly. Anything else (letters of any
/// script, emoji) is kept.
fn clean(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        let refused =
            c.is_control() || matches!(c, '/' | '\\' | '<' | '>' | ':' | '"' | '|' | '?' | '*');
        let c = match c {
            '.' if out.ends_with('.') => '_',
            _ if refused => '_',
            c => c,
        };
        if c == '_' && out.ends_with('_') {
            continue;
        }
        out.push(c);
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// At most `max` bytes of `text`, cut on a character boundary.
fn cut(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// The extension for a content type, else the URL path's, else `bin`.
pub fn extension(content_type: Option<&str>, url: &url::Url) -> String {
    let from_type = content_type.and_then(|t| {
        let t = t
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        Some(match t.as_str() {
            "audio/mpeg" | "audio/mp3" => "mp3",
            "audio/wav" | "audio/x-wav" | "audio/wave" | "audio/vnd.wave" => "wav",
            "audio/midi" | "audio/x-midi" => "mid",
            "audio/mp4" | "audio/aac" => "m4a",
            "video/mp4" => "mp4",
            "image/jpeg" => "jpeg",
            "image/png" => "png",
            "image/webp" => "webp",
            _ => return None,
        })
    });
    if let Some(ext) = from_type {
        return ext.to_owned();
    }
    url.path_segments()
        .and_then(|mut s| s.next_back())
        .and_then(|last| last.rsplit_once('.'))
        .map(|(_, ext)| ext.to_ascii_lowercase())
        .filter(|ext| {
            (1..=5).contains(&ext.len()) && ext.chars().all(|c| c.is_ascii_alphanumeric())
        })
        .unwrap_or_else(|| "bin".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_titles_stay_one_harmless_name() {
        for title in [
            "../../etc/passwd",
            "..\\..\\boot.ini",
            "a/b\\c",
            "/abs",
            "..",
        ] {
            let stem = file_stem(Some(title), "id1");
            assert!(
                !stem.contains('/') && !stem.contains('\\'),
                "{title:?} -> {stem:?}"
            );
            assert!(!stem.contains(".."), "{title:?} -> {stem:?}");
            assert!(!stem.starts_with('.'), "{title:?} -> {stem:?}");
        }
        assert_eq!(
            file_stem(Some("tab\there\u{7}bell\nline"), "x"),
            "tab_here_bell_line-x"
        );
    }

    #[test]
    fn reserved_device_names_are_escaped() {
        assert_eq!(file_stem(Some("CON"), ""), "_CON");
        assert_eq!(file_stem(Some("lpt1.txt"), ""), "_lpt1.txt");
        assert_eq!(file_stem(Some("Console"), ""), "Console");
    }

    #[test]
    fn long_names_are_cut_on_a_character_boundary() {
        let emoji = "🎵".repeat(75); // 300 bytes
        let stem = file_stem(Some(&emoji), "id");
        assert!(stem.len() <= MAX_STEM_BYTES, "{}", stem.len());
        assert!(stem.chars().all(|c| c == '🎵'), "emoji are kept: {stem}");
    }

    #[test]
    fn empty_titles_and_ids_still_name_a_file() {
        assert_eq!(file_stem(None, ""), "file");
        assert_eq!(file_stem(Some("   "), "e231"), "e231");
        assert_eq!(file_stem(Some("..."), ""), "file");
    }

    #[test]
    fn the_extension_follows_the_content_type() {
        let url = url::Url::parse("https://cdn.example/a/track.mp3?sig=1").unwrap();
        assert_eq!(extension(Some("image/jpeg"), &url), "jpeg");
        assert_eq!(extension(Some("audio/mpeg; charset=binary"), &url), "mp3");
        assert_eq!(extension(Some("application/octet-stream"), &url), "mp3");
        let bare = url::Url::parse("https://cdn.example/stream/abc").unwrap();
        assert_eq!(extension(None, &bare), "bin");
    }
}
