//! Plain string helpers the parser is built from: keyword matching that ignores ASCII case and
//! typographic apostrophes, respects word boundaries, and slices the *original* text so titles
//! keep their case; quoted segments; and the politeness stripping.

/// Folds a character for keyword comparison: ASCII case and curly apostrophes do not matter.
fn fold(c: char) -> char {
    match c {
        '\u{2019}' | '\u{2018}' => '\'',
        _ => c.to_ascii_lowercase(),
    }
}

fn is_word(c: char) -> bool {
    c.is_alphanumeric()
}

/// `s` without the keyword `prefix` (compared case-insensitively, ending on a word boundary),
/// with the whitespace after it trimmed.
///
/// The parser tries a message against a few hundred keywords a chat, nearly all of them
/// ASCII. Their bytes are compared ignoring ASCII case, which is what
/// [`strip_prefix_ci_by_char`] makes of two ASCII characters, until a byte of either is not
/// ASCII (a curly apostrophe in `s`, which matches the keyword's `'`, is not): from there the
/// comparison starts again a character at a time. Character by character throughout, it
/// took ~75 instructions a try, a third of the offline model's instructions in a chat that adds
/// a task (BENCHMARKS.md, "The nineteenth pass").
pub(crate) fn strip_prefix_ci<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let (text, keyword) = (s.as_bytes(), prefix.as_bytes());
    for (i, &k) in keyword.iter().enumerate() {
        let &t = text.get(i)?;
        if !(k.is_ascii() && t.is_ascii()) {
            return strip_prefix_ci_by_char(s, prefix);
        }
        if !k.eq_ignore_ascii_case(&t) {
            return None;
        }
    }
    // Every byte compared was ASCII, so the keyword's length is a character boundary of `s`.
    let rest = s.get(keyword.len()..)?;
    let ends_in_word = keyword.last().is_some_and(u8::is_ascii_alphanumeric);
    if ends_in_word && rest.chars().next().is_some_and(is_word) {
        return None;
    }
    Some(rest.trim_start())
}

/// [`strip_prefix_ci`] for any keyword, a character at a time.
fn strip_prefix_ci_by_char<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let mut chars = s.char_indices();
    for p in prefix.chars() {
        let (_, c) = chars.next()?;
        if fold(c) != fold(p) {
            return None;
        }
    }
    let end = chars.offset();
    let rest = &s[end..];
    let ends_in_word = prefix.chars().last().is_some_and(is_word);
    if ends_in_word && rest.chars().next().is_some_and(is_word) {
        return None;
    }
    Some(rest.trim_start())
}

/// `s` without the keyword `suffix` (compared case-insensitively, starting on a word
/// boundary), with the whitespace before it trimmed.
pub(crate) fn strip_suffix_ci<'a>(s: &'a str, suffix: &str) -> Option<&'a str> {
    let mut chars = s.char_indices().rev();
    let mut start = s.len();
    for p in suffix.chars().rev() {
        let (i, c) = chars.next()?;
        if fold(c) != fold(p) {
            return None;
        }
        start = i;
    }
    let rest = &s[..start];
    let starts_in_word = suffix.chars().next().is_some_and(is_word);
    if starts_in_word && rest.chars().next_back().is_some_and(is_word) {
        return None;
    }
    Some(rest.trim_end())
}

/// The longest of `prefixes` that `s` starts with, and what follows it (a leading `:`, `,` or
/// dash-and-space trimmed, but not a minus sign: "task -1" is not task 1).
pub(crate) fn strip_any_prefix<'a>(s: &'a str, prefixes: &[&'static str]) -> Option<&'a str> {
    // A keyword whose first byte is not the text's is passed over here, without a call: a
    // message is parsed against a few hundred keywords, and the calls for those that cannot
    // match were a tenth of a chat that adds a task (BENCHMARKS.md, "The twenty-third pass").
    let first = s.as_bytes().first().copied();
    prefixes
        .iter()
        .filter(|p| may_start(first, p))
        .filter_map(|p| strip_prefix_ci(s, p).map(|rest| (p.len(), rest)))
        .max_by_key(|(len, _)| *len)
        .map(|(_, rest)| after_keyword(rest))
}

/// What follows a keyword, a leading `:`, `,` or dash-and-space trimmed.
fn after_keyword(rest: &str) -> &str {
    let rest = rest.trim_start_matches([':', ',', ' ']);
    rest.strip_prefix("- ")
        .or_else(|| rest.strip_prefix("\u{2014} "))
        .unwrap_or(rest)
}

/// Whether a text whose first byte is `first` may start with `keyword` as
/// [`strip_prefix_ci`] compares them: not when both first bytes are ASCII and differ in more
/// than case (the first comparison it makes), and always otherwise (a character of more than
/// one byte may fold to an ASCII one: a keyword's `'` matches a `’`).
#[inline]
fn may_start(first: Option<u8>, keyword: &str) -> bool {
    match (first, keyword.as_bytes().first()) {
        (Some(t), Some(&k)) if t.is_ascii() && k.is_ascii() => t.eq_ignore_ascii_case(&k),
        _ => true,
    }
}

/// The longest of `suffixes` that `s` ends with, and what precedes it.
pub(crate) fn strip_any_suffix<'a>(s: &'a str, suffixes: &[&'static str]) -> Option<&'a str> {
    suffixes
        .iter()
        .filter_map(|p| strip_suffix_ci(s, p).map(|rest| (p.len(), rest)))
        .max_by_key(|(len, _)| *len)
        .map(|(_, rest)| rest)
}

/// The byte range of the first whole-word occurrence of `needle` in `s`, case-insensitively,
/// outside quoted segments.
#[cfg(test)]
pub(crate) fn find_ci(s: &str, needle: &str) -> Option<(usize, usize)> {
    let starts_in_word = needle.chars().next().is_some_and(is_word);
    let mut i = 0;
    let mut previous: Option<char> = None;
    while let Some(c) = s[i..].chars().next() {
        let rest = &s[i..];
        if previous.is_none_or(|p| !is_word(p))
            && let Some((_, after_close)) = quotation(rest)
        {
            i += after_close;
            previous = s[..i].chars().next_back();
            continue;
        }
        if !(starts_in_word && previous.is_some_and(is_word))
            && let Some(after) = match_at(rest, needle)
        {
            return Some((i, s.len() - after.len()));
        }
        previous = Some(c);
        i += c.len_utf8();
    }
    None
}

/// Which match [`find_earliest_ci`] keeps when several needles match at the earliest place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Prefer {
    Shortest,
    Longest,
}

/// The earliest whole-word occurrence of any of `needles` in `s`, outside quoted segments, and
/// where several match there the shortest or the longest: what the first occurrence of each
/// needle (`find_ci`, kept for the tests as the reference) with the smallest start would give,
/// in one pass over `s` instead of one per needle, trying the needles only where `s` has one of
/// their first characters.
pub(crate) fn find_earliest_ci<N: AsRef<str>>(
    s: &str,
    needles: &[N],
    prefer: Prefer,
) -> Option<(usize, usize)> {
    let mut firsts: Vec<char> = Vec::with_capacity(4);
    for needle in needles {
        let first = needle.as_ref().chars().next().map(fold);
        debug_assert!(first.is_some(), "an empty needle");
        if let Some(first) = first
            && !firsts.contains(&first)
        {
            firsts.push(first);
        }
    }
    let mut i = 0;
    let mut previous: Option<char> = None;
    while let Some(c) = s[i..].chars().next() {
        let rest = &s[i..];
        if previous.is_none_or(|p| !is_word(p))
            && let Some((_, after_close)) = quotation(rest)
        {
            i += after_close;
            previous = s[..i].chars().next_back();
            continue;
        }
        if firsts.contains(&fold(c)) {
            let after_word = previous.is_some_and(is_word);
            let ends = needles
                .iter()
                .map(AsRef::as_ref)
                .filter(|n| !(after_word && n.chars().next().is_some_and(is_word)))
                .filter_map(|n| match_at(rest, n))
                .map(|after| s.len() - after.len());
            let end = match prefer {
                Prefer::Shortest => ends.min(),
                Prefer::Longest => ends.max(),
            };
            if let Some(end) = end {
                return Some((i, end));
            }
        }
        previous = Some(c);
        i += c.len_utf8();
    }
    None
}

/// Like [`strip_prefix_ci`] but without trimming, for [`find_ci`].
fn match_at<'a>(s: &'a str, needle: &str) -> Option<&'a str> {
    let mut chars = s.char_indices();
    for p in needle.chars() {
        let (_, c) = chars.next()?;
        if fold(c) != fold(p) {
            return None;
        }
    }
    let rest = &s[chars.offset()..];
    let ends_in_word = needle.chars().last().is_some_and(is_word);
    if ends_in_word && rest.chars().next().is_some_and(is_word) {
        return None;
    }
    Some(rest)
}

/// The closing quote that matches an opening one, if `c` opens a quotation.
fn opening_quote(c: char) -> Option<char> {
    match c {
        '\'' => Some('\''),
        '"' => Some('"'),
        '\u{2018}' => Some('\u{2019}'),
        '\u{201C}' => Some('\u{201D}'),
        _ => None,
    }
}

fn closes(close: char, c: char) -> bool {
    c == close || (close == '\u{2019}' && c == '\'') || (close == '\u{201D}' && c == '"')
}

/// A closing quote counts only when no letter follows it, so "'mom's birthday'" keeps its
/// apostrophe.
fn boundary_after(rest: &str) -> bool {
    rest.chars().next().is_none_or(|c| !is_word(c))
}

/// When `s` opens with a closed quotation: the byte offsets where its inside ends and where
/// the text after the closing quote starts.
fn quotation(s: &str) -> Option<(usize, usize)> {
    let first = s.chars().next()?;
    let close = opening_quote(first)?;
    let open = first.len_utf8();
    s[open..]
        .char_indices()
        .map(|(i, c)| (open + i, c))
        .find(|&(i, c)| closes(close, c) && boundary_after(&s[i + c.len_utf8()..]))
        .map(|(i, c)| (i, i + c.len_utf8()))
}

/// When `s` opens with a quotation: its inside (trimmed) and what follows the closing quote
/// (trimmed).
pub(crate) fn quoted(s: &str) -> Option<(&str, &str)> {
    let (inside_end, after) = quotation(s)?;
    let open = s.chars().next()?.len_utf8();
    Some((s[open..inside_end].trim(), s[after..].trim()))
}

/// `s` without surrounding quotes when it is exactly one quotation; otherwise `s`, trimmed.
pub(crate) fn unquote(s: &str) -> &str {
    let s = s.trim();
    match quoted(s) {
        Some((inside, "")) => inside,
        _ => s,
    }
}

/// Polite openings that carry no meaning for the command.
const POLITE_PREFIXES: &[&str] = &[
    "please",
    "pls",
    "plz",
    "kindly",
    "can you",
    "can u",
    "could you",
    "could u",
    "would you",
    "will you",
    "would you mind",
    "i want you to",
    "i need you to",
    "i'd like you to",
    "i would like you to",
    "i'd like to",
    "i would like to",
    "i want to",
    "i wanna",
    "let's",
    "lets",
    "let me",
    "go ahead and",
    "help me",
    "hey",
    "hi",
    "hello",
    "ok",
    "okay",
    "so",
    "oh",
    "um",
    "also",
    "and",
    "now",
    "just",
];

/// Polite endings that carry no meaning for the command.
const POLITE_SUFFIXES: &[&str] = &[
    "please",
    "pls",
    "plz",
    "thanks",
    "thank you",
    "thanks a lot",
    "thank you very much",
    "thx",
    "ty",
    "for me",
];

const TRAILING_PUNCTUATION: &[char] = &['.', '!', '?', ',', ';', ' '];

/// The command without politeness: whitespace collapsed to single spaces, then polite
/// openings and endings and trailing punctuation removed until nothing changes. Quoted text is
/// never touched by the stripping (only by the whitespace collapse).
#[must_use]
pub fn clean(input: &str) -> String {
    let collapsed = input.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut s: &str = &collapsed;
    loop {
        let before = s.len();
        s = s.trim_matches(TRAILING_PUNCTUATION);
        s = s.trim_start_matches([',', ':', '-', ' ']);
        if let Some(rest) = strip_any_prefix(s, POLITE_PREFIXES) {
            s = rest;
        }
        if let Some(rest) = strip_any_suffix(s, POLITE_SUFFIXES) {
            s = rest;
        }
        if s.len() == before {
            return s.to_owned();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_respect_case_and_word_boundaries() {
        assert_eq!(strip_prefix_ci("Add buy milk", "add"), Some("buy milk"));
        assert_eq!(strip_prefix_ci("address the letter", "add"), None);
        assert_eq!(
            strip_prefix_ci("What\u{2019}s pending", "what's"),
            Some("pending")
        );
        assert_eq!(strip_prefix_ci("#3", "#"), Some("3"));
        assert_eq!(strip_prefix_ci("ad", "add"), None);
    }

    /// Every string literal without an escape in the parser's sources: its keywords and more.
    fn literals() -> Vec<&'static str> {
        let mut found = Vec::new();
        for source in [
            include_str!("intent.rs"),
            include_str!("text.rs"),
            include_str!("plan.rs"),
        ] {
            let mut parts = source.split('"');
            parts.next();
            while let (Some(literal), Some(_)) = (parts.next(), parts.next()) {
                if !literal.contains(['\\', '\n']) && literal.len() < 40 {
                    found.push(literal);
                }
            }
        }
        found.sort_unstable();
        found.dedup();
        found
    }

    /// Texts that start with `keyword`, in other cases, with curly apostrophes, followed by a
    /// word, a letter, another script or nothing, and each cut short at every character.
    fn texts_for(keyword: &str) -> Vec<String> {
        let mut texts = Vec::new();
        for text in [
            format!("{keyword} buy milk"),
            format!("{} buy milk", keyword.to_uppercase()),
            format!("{keyword}s"),
            format!("{keyword}\u{e9}"),
            format!("{keyword}\u{2019}"),
            keyword.replace('\'', "\u{2019}"),
        ] {
            texts.extend(
                (0..text.len())
                    .filter(|&i| text.is_char_boundary(i))
                    .map(|i| text[..i].to_owned()),
            );
            texts.push(text);
        }
        texts
    }

    /// The comparison of ASCII bytes gives what the comparison a character at a time gives,
    /// for every literal of the parser's sources (each keyword it tries) and a few keywords
    /// more: against texts made from the keywords that start with the same letter, and
    /// against a few of any kind.
    #[test]
    fn a_keyword_matches_as_it_does_a_character_at_a_time() {
        let mut keywords = literals();
        assert!(keywords.len() > 200, "{}", keywords.len());
        keywords.extend([
            "",
            "#",
            "what's",
            "what\u{2019}s",
            "caf\u{e9}",
            "x-",
            "task no.",
        ]);
        let general = [
            "",
            "Add buy milk",
            "address the letter",
            "WHAT\u{2019}S pending",
            "caf\u{c9} au lait",
            "\u{e9}t\u{e9}",
            "TASK No. 3",
            "x-ray",
            "x- ray",
        ];
        let mut matched = 0;
        for keyword in &keywords {
            let first = keyword.bytes().next().map(|b| b.to_ascii_lowercase());
            let mut texts: Vec<String> = general.iter().map(|t| (*t).to_owned()).collect();
            for other in &keywords {
                if other.bytes().next().map(|b| b.to_ascii_lowercase()) == first {
                    texts.extend(texts_for(other));
                }
            }
            for text in &texts {
                let fast = strip_prefix_ci(text, keyword);
                assert_eq!(
                    fast,
                    strip_prefix_ci_by_char(text, keyword),
                    "{keyword:?} in {text:?}"
                );
                matched += usize::from(fast.is_some());
            }
        }
        assert!(matched > 4 * keywords.len(), "{matched}");
    }

    #[test]
    fn suffixes_respect_case_and_word_boundaries() {
        assert_eq!(strip_suffix_ci("task 3 is DONE", "is done"), Some("task 3"));
        assert_eq!(strip_suffix_ci("abandoned", "done"), None);
        assert_eq!(strip_suffix_ci("done", "is done"), None);
    }

    /// Passing over the keywords whose first byte cannot match changes no answer.
    #[test]
    fn any_prefix_answers_as_trying_every_keyword_does() {
        let keywords: &[&'static str] = &[
            "add",
            "Add a task",
            "'s",
            "\u{2019}s",
            "\u{e9}t\u{e9}",
            "",
            "-",
            "show",
            "s",
        ];
        let texts = [
            "add milk",
            "ADD A TASK milk",
            "'s milk",
            "\u{2019}s milk",
            "\u{e9}t\u{e9} x",
            "\u{c9}t\u{e9} x",
            "",
            "- milk",
            "Show all",
            "so",
            "x",
            "\u{2014} x",
        ];
        for text in texts {
            let every = keywords
                .iter()
                .filter_map(|p| strip_prefix_ci(text, p).map(|rest| (p.len(), rest)))
                .max_by_key(|(len, _)| *len)
                .map(|(_, rest)| after_keyword(rest));
            assert_eq!(strip_any_prefix(text, keywords), every, "{text:?}");
        }
        assert_eq!(strip_any_prefix("\u{2019}s milk", &["'s"]), Some("milk"));
        assert_eq!(strip_any_prefix("SHOW all", &["add", "show"]), Some("all"));
    }

    #[test]
    fn the_longest_prefix_wins() {
        let prefixes = ["add", "add a task", "add a task to"];
        assert_eq!(
            strip_any_prefix("add a task to buy milk", &prefixes),
            Some("buy milk")
        );
        assert_eq!(
            strip_any_prefix("add a task: buy milk", &prefixes),
            Some("buy milk")
        );
        assert_eq!(
            strip_any_prefix("add a taskforce memo", &prefixes),
            Some("a taskforce memo")
        );
        assert_eq!(
            strip_any_prefix("add a task - buy milk", &prefixes),
            Some("buy milk")
        );
        assert_eq!(strip_any_prefix("add -1", &prefixes), Some("-1"));
    }

    #[test]
    fn find_skips_quotes_and_partial_words() {
        let s = "'go to gym' to gym";
        let (start, end) = find_ci(s, " to ").expect("found");
        assert_eq!(&s[..start], "'go to gym'");
        assert_eq!(&s[end..], "gym");
        assert_eq!(find_ci("tomato town", "to"), None);
        // An unclosed quote is ordinary text.
        assert_eq!(find_ci("rock 'n roll to x", " to "), Some((12, 16)));
        assert_eq!(
            find_ci("buy milk With Description x", "with description"),
            Some((9, 25))
        );
    }

    #[test]
    fn quotations() {
        assert_eq!(quoted("'pay rent' with x"), Some(("pay rent", "with x")));
        assert_eq!(quoted("\"pay rent\""), Some(("pay rent", "")));
        assert_eq!(
            quoted("'mom's birthday' now"),
            Some(("mom's birthday", "now"))
        );
        assert_eq!(quoted("\u{201C}smart\u{201D}"), Some(("smart", "")));
        assert_eq!(quoted("plain"), None);
        assert_eq!(unquote(" 'x y' "), "x y");
        assert_eq!(unquote("'x' and 'y'"), "'x' and 'y'");
        assert_eq!(unquote("'unclosed"), "'unclosed");
    }

    #[test]
    fn politeness_is_stripped() {
        assert_eq!(clean("  Please   add buy milk, thanks!! "), "add buy milk");
        assert_eq!(clean("Could you please show my tasks?"), "show my tasks");
        assert_eq!(clean("hey, can you list tasks please."), "list tasks");
        assert_eq!(clean("add 'say thanks'"), "add 'say thanks'");
        assert_eq!(clean("thanks!"), "");
        assert_eq!(clean("sort the mail"), "sort the mail");
    }

    /// One pass over the text finds what one search per needle found, the earliest match and,
    /// at the same place, the shortest or the longest, over texts with quotes, curly
    /// apostrophes, non-ASCII letters and needles inside words.
    #[test]
    fn the_earliest_of_several_needles_is_the_one_each_search_finds() {
        let texts = [
            "",
            "buy milk",
            "buy milk with description two litres",
            "buy milk With A Description Of two litres with note x",
            "'pay rent with note' with details on friday",
            "\u{2018}mom\u{2019}s gift\u{2019} with the note wrap it",
            "pay rent description: soon notes: later",
            "café with desc crème brûlée",
            "withdescription with descx with desc",
            "call mom with description of the gift with notes: later",
            "rename task 3 to buy oat milk",
            "rename 'go to the gym' to 'go swimming'",
            "rename task 2 as: call mom into tomorrow",
            "rename tomato to potato",
            "change task 1: walk the dog to walk the cat",
            "to to to",
            " with description",
            "x with",
            "\"quoted to\" as x",
        ];
        let spaced: Vec<String> = [
            "with description",
            "with description of",
            "with desc",
            "with note",
            "with a note",
            "with notes",
            "description:",
            "desc:",
            "notes:",
            "note:",
        ]
        .iter()
        .map(|m| format!(" {m}"))
        .collect();
        let separators = [" to ", " as ", " into ", ": "];
        let words = ["to", "as", "with", "desc", "note:"];
        for text in texts {
            let reference = |needles: &[&str], prefer: Prefer| {
                let found = needles.iter().filter_map(|n| find_ci(text, n));
                match prefer {
                    Prefer::Shortest => found.min(),
                    Prefer::Longest => {
                        found.min_by_key(|&(start, end)| (start, std::cmp::Reverse(end)))
                    }
                }
            };
            let spaced: Vec<&str> = spaced.iter().map(String::as_str).collect();
            for needles in [&spaced[..], &separators[..], &words[..]] {
                for prefer in [Prefer::Shortest, Prefer::Longest] {
                    assert_eq!(
                        find_earliest_ci(text, needles, prefer),
                        reference(needles, prefer),
                        "{text:?} {needles:?} {prefer:?}"
                    );
                }
            }
        }
    }
}
