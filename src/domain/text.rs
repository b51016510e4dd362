//! Member text shown to others: what may stay and what is taken out first.
//!
//! A note or a name is repeated in public replies and boards. Characters that
//! are invisible or that reorder the text around them let it read as
//! something else (U+202E turns "gnp.exe" into "exe.png"), so they go before
//! the text is escaped and shown.

/// Whether `c` is taken out of member text before others see it.
///
/// Out: C0 and C1 controls and DEL (NUL included); the bidirectional marks,
/// embeddings, overrides and isolates (U+200E, U+200F, U+061C,
/// U+202A-U+202E, U+2066-U+2069); the zero-width space U+200B, the word
/// joiner U+2060 and the byte-order mark U+FEFF.
///
/// Kept: the zero-width non-joiner and joiner (U+200C, U+200D), which emoji
/// sequences and Persian and Indic names need.
pub fn is_hidden(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{200E}'
                | '\u{200F}'
                | '\u{061C}'
                | '\u{202A}'..='\u{202E}'
                | '\u{2066}'..='\u{2069}'
                | '\u{200B}'
                | '\u{2060}'
                | '\u{FEFF}'
        )
}

/// `text` without the characters [`is_hidden`] takes out.
pub fn readable(text: &str) -> String {
    text.chars().filter(|&c| !is_hidden(c)).collect()
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn reordering_and_invisible_characters_go() {
        assert_eq!(readable("gnp\u{202E}.exe"), "gnp.exe");
        assert_eq!(readable("a\u{0}b\u{7}c\u{7F}d\u{85}e\u{9F}"), "abcde");
        assert_eq!(
            readable("\u{200E}\u{200F}\u{061C}\u{202A}\u{202B}\u{202C}\u{202D}x"),
            "x"
        );
        assert_eq!(readable("\u{2066}\u{2067}\u{2068}\u{2069}y"), "y");
        assert_eq!(readable("z\u{200B}e\u{2060}r\u{FEFF}o"), "zero");
    }

    #[test]
    fn joiners_that_names_and_emoji_need_stay() {
        // A family emoji is joined by U+200D; Persian "mi-khaham" needs U+200C.
        let family = "\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}";
        assert_eq!(readable(family), family);
        let persian = "می\u{200C}خواهم";
        assert_eq!(readable(persian), persian);
        assert_eq!(readable("Zoë Ωμέγα Юлия"), "Zoë Ωμέγα Юлия");
    }

    proptest! {
        #![proptest_config(crate::domain::proptest_config())]

        #[test]
        fn nothing_hidden_survives_and_everything_else_does(text in any::<String>()) {
            let out = readable(&text);
            prop_assert!(!out.chars().any(is_hidden));
            let visible: String = text.chars().filter(|c| !is_hidden(*c)).collect();
            prop_assert_eq!(out, visible);
        }
    }
}
