//! Safe file names from what a task says about its files: a title and an
//! id become a name that stays inside the target directory on every
//! platform. A leaf.

/// The longest stem kept, in bytes, before the extension (a file name is
/// at most 255 bytes on common file systems; the rest is for the
/// extension and the temporary file's prefix and suffix).
const MAX_STEM_BYTES: usize = 160;

/// The longest id kept as it is; a longer one (no provider id comes
/// close) keeps its start and gains a hash of the whole, so that two long
/// ids still differ.
const MAX_ID_BYTES: usize = 96;

/// Names Windows reserves for devices, whatever the extension (the
/// superscript digits count as digits there).
const RESERVED: [&str; 32] = [
    "CON",
    "PRN",
    "AUX",
    "NUL",
    "CONIN$",
    "CONOUT$",
    "COM0",
    "COM1",
    "COM2",
    "COM3",
    "COM4",
    "COM5",
    "COM6",
    "COM7",
    "COM8",
    "COM9",
    "COM\u{b9}",
    "COM\u{b2}",
    "COM\u{b3}",
    "LPT0",
    "LPT1",
    "LPT2",
    "LPT3",
    "LPT4",
    "LPT5",
    "LPT6",
    "LPT7",
    "LPT8",
    "LPT9",
    "LPT\u{b9}",
    "LPT\u{b2}",
    "LPT\u{b3}",
];

/// A file stem from a title and an id (`Night Drive-e231ab`): no path
/// separators, no `..`, no control, bidirectional-override or reserved
/// characters, no reserved device name, never empty. The id is always
/// kept whole (it is what keeps two files apart); a long title is what
/// gets shortened, between two characters as a reader sees them
/// (grapheme clusters: an accent stays on its letter, an emoji whole), so
/// that the stem is at most 160 bytes.
pub fn file_stem(title: Option<&str>, id: &str) -> String {
    let title = clean(title.unwrap_or(""));
    let id = bounded_id(&clean(id));
    let id = id.trim_matches(|c: char| matches!(c, '.' | ' ' | '_' | '-'));
    let room = MAX_STEM_BYTES.saturating_sub(id.len() + 1);
    let title = cut(&title, room).trim_matches(|c: char| matches!(c, '.' | ' ' | '_' | '-'));
    let mut stem = match (title.is_empty(), id.is_empty()) {
        (false, false) => format!("{title}-{id}"),
        (false, true) => title.to_owned(),
        (true, false) => id.to_owned(),
        (true, true) => "file".to_owned(),
    };
    let device = stem.split('.').next().unwrap_or("").trim_end();
    if RESERVED.iter().any(|r| r.eq_ignore_ascii_case(device)) {
        stem.insert(0, '_');
    }
    stem
}

/// The id itself when it is at most [`MAX_ID_BYTES`]; else its start and
/// 16 hex digits of its SHA-256.
fn bounded_id(id: &str) -> String {
    if id.len() <= MAX_ID_BYTES {
        return id.to_owned();
    }
    use sha2::Digest;
    let digest = sha2::Sha256::digest(id.as_bytes());
    format!(
        "{}-{}",
        cut(id, MAX_ID_BYTES - 17),
        crate::hex::hex(&digest[..8])
    )
}

/// Path separators, control characters, the characters Windows refuses
/// (`<>:"|?*`) and the invisible marks that reorder text (which can make
/// `song\u{202e}3pm.exe` read as `songexe.mp3`) become `_`, runs of which
/// collapse; `..` cannot survive as dots are only kept singly. Anything
/// else (letters of any script, emoji) is kept.
fn clean(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        let refused = c.is_control()
            || is_bidi_control(c)
            || matches!(c, '/' | '\\' | '<' | '>' | ':' | '"' | '|' | '?' | '*');
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

/// The marks of Unicode's bidirectional algorithm that change the order
/// in which text is shown.
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{200e}' | '\u{200f}' | '\u{061c}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// At most `max` bytes of `text`, cut between grapheme clusters.
fn cut(text: &str, max: usize) -> &str {
    use unicode_segmentation::UnicodeSegmentation;
    if text.len() <= max {
        return text;
    }
    let end = text
        .grapheme_indices(true)
        .map(|(start, g)| start + g.len())
        .take_while(|end| *end <= max)
        .last()
        .unwrap_or(0);
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
        assert_eq!(file_stem(Some("COM\u{b9}"), ""), "_COM\u{b9}");
        assert_eq!(file_stem(Some("conin$"), ""), "_conin$");
        assert_eq!(file_stem(Some("CONOUT$.mp3"), ""), "_CONOUT$.mp3");
        assert_eq!(file_stem(None, "NUL"), "_NUL");
        assert_eq!(file_stem(Some("Console"), ""), "Console");
        assert_eq!(file_stem(Some("CON"), "e231"), "CON-e231");
    }

    /// Titles within the provider's 80-character rule, in scripts whose
    /// characters take 3 or 4 bytes each.
    fn long_titles() -> Vec<String> {
        vec![
            "夜".repeat(40) + &"の".repeat(40),
            "🎵".repeat(80),
            "שיר ארוך מאוד ".repeat(6),
            "e\u{301}".repeat(80),
            "👩\u{200d}👩\u{200d}👧".repeat(20),
        ]
    }

    #[test]
    fn the_id_is_always_whole_and_the_title_is_what_is_cut() {
        let id = "8551be0c-ba7c-4a3b-a5b7-aa1f2bd6e6f6";
        for title in long_titles() {
            let stem = file_stem(Some(&title), id);
            assert!(stem.len() <= MAX_STEM_BYTES, "{} bytes: {stem}", stem.len());
            assert!(stem.ends_with(&format!("-{id}")), "{stem}");
            let kept = stem.strip_suffix(&format!("-{id}")).expect("title part");
            assert!(!kept.is_empty() && title.starts_with(kept), "{kept:?}");
        }
    }

    #[test]
    fn titles_are_cut_between_characters_as_a_reader_sees_them() {
        use unicode_segmentation::UnicodeSegmentation;
        for title in long_titles() {
            let stem = file_stem(Some(&title), "id");
            let kept = stem.strip_suffix("-id").expect("title part");
            let whole: Vec<&str> = title.graphemes(true).collect();
            let cut: Vec<&str> = kept.graphemes(true).collect();
            assert_eq!(cut[..], whole[..cut.len()], "{kept:?}");
        }
        // An accent is never split from its letter.
        let stem = file_stem(Some(&"e\u{301}".repeat(80)), "id");
        assert!(stem.ends_with("e\u{301}-id"), "{stem:?}");
    }

    #[test]
    fn two_tracks_of_one_title_and_their_covers_never_share_a_name() {
        for title in long_titles() {
            let stems = [
                file_stem(Some(&title), "8551be0c-0001"),
                file_stem(Some(&title), "8551be0c-0001-cover"),
                file_stem(Some(&title), "8551be0c-0002"),
                file_stem(Some(&title), "8551be0c-0002-cover"),
            ];
            let distinct: std::collections::HashSet<_> = stems.iter().collect();
            assert_eq!(distinct.len(), 4, "{stems:?}");
        }
    }

    #[test]
    fn marks_that_reorder_text_are_removed() {
        let stem = file_stem(Some("song\u{202e}3pm.exe"), "id");
        assert_eq!(stem, "song_3pm.exe-id");
        assert!(
            file_stem(Some("a\u{2066}b\u{200f}c"), "")
                .chars()
                .all(|c| !is_bidi_control(c))
        );
    }

    #[test]
    fn overlong_ids_stay_apart() {
        let a = "x".repeat(300) + "a";
        let b = "x".repeat(300) + "b";
        let (sa, sb) = (file_stem(None, &a), file_stem(None, &b));
        assert!(sa.len() <= MAX_ID_BYTES, "{}", sa.len());
        assert_ne!(sa, sb);
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
