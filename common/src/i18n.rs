//! The words of Intake's screens, in every language, as Fluent files.
//!
//! `assets/i18n/<lang>.ftl` holds one language each and is compiled in, so a program runs
//! with nothing beside it. A shop adds or replaces messages with a file of the same name in
//! `<settings dir>/i18n/`: its messages win over the built-in ones, and a mistake in it is
//! an error naming the file, the line and the message, like any other settings error.
//!
//! A message is asked for by id with [`Tr::get`] (or [`Tr::args`] when it has
//! placeholders). One missing from a language falls back to English and is logged, never
//! shown as an error to a customer. Programs name their ids with [`message_ids!`], so a
//! typo at a call site does not compile and a test can check each id in every language.
//!
//! Fluent's isolating marks (U+2068, U+2069 around each placeholder) are turned off: every
//! language spoken here is written left to right, and the bundled font has no glyph for
//! the marks, which would show as boxes.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::fmt;
use std::path::Path;
use std::sync::{Arc, Mutex};

use fluent_bundle::FluentResource;
use fluent_bundle::concurrent::FluentBundle;
pub use fluent_bundle::{FluentArgs, FluentValue};
use fluent_syntax::ast;

use crate::error::{Error, Result};
use crate::settings::Lang;

/// The folder of a settings directory that holds a shop's translations.
pub const DIR: &str = "i18n";

/// The built-in translations: `assets/i18n/<lang>.ftl`.
const BUILT_IN: [(Lang, &str); 2] = [
    (Lang::En, include_str!("../../assets/i18n/en.ftl")),
    (Lang::Es, include_str!("../../assets/i18n/es.ftl")),
];

/// Declares a program's message ids: an enum whose variants name the messages it shows,
/// each with its Fluent id and the placeholders it is given.
///
/// ```
/// intake_common::message_ids! {
///     /// The words of the example.
///     pub enum Msg {
///         Welcome = "welcome",
///         StepOf = "step-of" (n, total),
///     }
/// }
/// assert_eq!(Msg::StepOf.id(), "step-of");
/// assert_eq!(Msg::StepOf.args(), ["n", "total"]);
/// assert_eq!(Msg::ALL.len(), 2);
/// ```
#[macro_export]
macro_rules! message_ids {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $id:literal $( ( $($arg:ident),* ) )? ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        $vis enum $name {
            $( $(#[$vmeta])* $variant, )*
        }

        impl $name {
            /// Every message, in the order declared.
            pub const ALL: &'static [$name] = &[ $( $name::$variant, )* ];

            /// The message's id in the Fluent files.
            pub const fn id(self) -> &'static str {
                match self {
                    $( $name::$variant => $id, )*
                }
            }

            /// The placeholders the message is given, without their `$`.
            pub const fn args(self) -> &'static [&'static str] {
                match self {
                    $( $name::$variant => &[ $( $( stringify!($arg) ),* )? ], )*
                }
            }
        }

        impl $crate::i18n::Message for $name {
            fn id(self) -> &'static str {
                $name::id(self)
            }

            fn args(self) -> &'static [&'static str] {
                $name::args(self)
            }

            fn all() -> &'static [Self] {
                $name::ALL
            }
        }
    };
}

/// A set of messages a program shows, as [`message_ids!`] declares them.
pub trait Message: Copy + 'static {
    fn id(self) -> &'static str;
    fn args(self) -> &'static [&'static str];
    fn all() -> &'static [Self];
}

/// The words of one language, for the messages `M`.
pub struct Words<'a, M> {
    pub tr: &'a Tr,
    pub lang: Lang,
    messages: std::marker::PhantomData<M>,
}

impl<M> Clone for Words<'_, M> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<M> Copy for Words<'_, M> {}

impl<M> fmt::Debug for Words<'_, M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Words").field("lang", &self.lang).finish()
    }
}

impl<'a, M: Message> Words<'a, M> {
    pub fn new(tr: &'a Tr, lang: Lang) -> Self {
        Self {
            tr,
            lang,
            messages: std::marker::PhantomData,
        }
    }

    pub fn get(&self, m: M) -> Cow<'a, str> {
        self.tr.get(self.lang, m.id())
    }

    /// `m` with its placeholders filled from `args`.
    pub fn with(&self, m: M, args: &[(&'static str, String)]) -> Cow<'a, str> {
        let mut a = FluentArgs::new();
        for (k, v) in args {
            a.set(*k, v.clone());
        }
        self.tr.args(self.lang, m.id(), &a)
    }
}

impl Tr {
    /// What is wrong between the built-in files and the messages `M` whose ids start with
    /// `prefix`: one missing from a language, one with other placeholders than declared,
    /// or one in the files under `prefix` that `M` never shows. Empty when all agree.
    pub fn check<M: Message>(&self, prefix: &str) -> Vec<String> {
        let declared: Vec<(&str, &[&str])> = M::all().iter().map(|m| (m.id(), m.args())).collect();
        let mut found = self.mismatches(declared.iter().copied());
        for lang in Lang::ALL {
            found.extend(
                self.ids(lang)
                    .filter(|id| id.starts_with(prefix) && !declared.iter().any(|(d, _)| d == id))
                    .map(|id| format!("{id} in {} is not shown anywhere", lang.code())),
            );
        }
        found
    }
}

/// Every language's messages, loaded once: the built-in files, then a shop's overrides.
/// Cheap to clone.
#[derive(Clone)]
pub struct Tr(Arc<Inner>);

struct Inner {
    bundles: BTreeMap<Lang, FluentBundle<FluentResource>>,
    /// Each language's placeholders by message, as the built-in files have them.
    placeholders: BTreeMap<Lang, BTreeMap<String, BTreeSet<String>>>,
    /// What was logged already, so a message that keeps failing is logged once, not on
    /// every frame.
    logged: Mutex<HashSet<(Lang, String)>>,
}

impl fmt::Debug for Tr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Tr")
            .field("languages", &self.0.bundles.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

impl Tr {
    /// The built-in translations alone.
    pub fn built_in() -> Self {
        Self::load(None).expect("the built-in translations are valid")
    }

    /// The built-in translations, with the messages of `<dir>/i18n/<lang>.ftl` over them
    /// where such a file exists.
    pub fn load(dir: Option<&Path>) -> Result<Self> {
        Self::with_sources(&BUILT_IN, dir)
    }

    /// `sources` as the built-in files, then the shop's over them.
    fn with_sources(sources: &[(Lang, &str)], dir: Option<&Path>) -> Result<Self> {
        let mut bundles = BTreeMap::new();
        let mut placeholders = BTreeMap::new();
        for &(lang, source) in sources {
            let name = format!("(default) {DIR}/{}.ftl", lang.code());
            let resource = parse(source.to_owned(), &name)?;
            placeholders.insert(lang, message_placeholders(&resource));
            let mut bundle = FluentBundle::new_concurrent(vec![langid(lang)]);
            bundle.set_use_isolating(false);
            bundle
                .add_builtins()
                .map_err(|e| Error::Invalid(format!("{name}: {e}")))?;
            bundle
                .add_resource(resource)
                .map_err(|e| Error::Invalid(format!("{name}: {e:?}")))?;
            bundles.insert(lang, bundle);
        }
        if let Some(dir) = dir {
            overlay(&dir.join(DIR), &mut bundles, &placeholders)?;
        }
        Ok(Self(Arc::new(Inner {
            bundles,
            placeholders,
            logged: Mutex::default(),
        })))
    }

    /// The message `id` in `lang`, with no placeholders.
    pub fn get(&self, lang: Lang, id: &str) -> Cow<'_, str> {
        self.format(lang, id, None)
    }

    /// The message `id` in `lang`, its placeholders filled from `args`.
    pub fn args(&self, lang: Lang, id: &str, args: &FluentArgs) -> Cow<'_, str> {
        self.format(lang, id, Some(args))
    }

    /// The placeholders (without `$`) the built-in message `id` uses in `lang`, or `None`
    /// when that language has no such message.
    pub fn placeholders(&self, lang: Lang, id: &str) -> Option<&BTreeSet<String>> {
        self.0.placeholders.get(&lang)?.get(id)
    }

    /// Where the built-in files differ from what a program declares (each message's id
    /// and the placeholders it gives, as [`message_ids!`] makes them): a message missing
    /// from a language, or one that uses other placeholders. Empty when they agree.
    pub fn mismatches<'m>(
        &self,
        messages: impl IntoIterator<Item = (&'m str, &'m [&'m str])> + Clone,
    ) -> Vec<String> {
        let mut found = Vec::new();
        for lang in Lang::ALL {
            for (id, args) in messages.clone() {
                let declared: BTreeSet<String> = args.iter().map(|a| (*a).to_owned()).collect();
                match self.placeholders(lang, id) {
                    Some(used) if *used == declared => {}
                    Some(used) => found.push(format!(
                        "{id} in {}: uses {used:?}, given {declared:?}",
                        lang.code()
                    )),
                    None => found.push(format!("{id} is missing from {}", lang.code())),
                }
            }
        }
        found
    }

    /// The ids of the built-in messages of `lang`.
    pub fn ids(&self, lang: Lang) -> impl Iterator<Item = &str> {
        self.0
            .placeholders
            .get(&lang)
            .into_iter()
            .flat_map(|m| m.keys().map(String::as_str))
    }

    /// Whether `lang` has the message `id`, built in or from the shop.
    pub fn has(&self, lang: Lang, id: &str) -> bool {
        self.0.bundles.get(&lang).is_some_and(|b| b.has_message(id))
    }

    fn format(&self, lang: Lang, id: &str, args: Option<&FluentArgs>) -> Cow<'_, str> {
        let found = [lang, Lang::En].into_iter().find_map(|l| {
            let bundle = self.0.bundles.get(&l)?;
            let pattern = bundle.get_message(id)?.value()?;
            Some((l, bundle, pattern))
        });
        let Some((found_in, bundle, pattern)) = found else {
            self.log_once(lang, id, || {
                tracing::error!(lang = lang.code(), id, "no such message in any language");
            });
            return Cow::Owned(id.to_owned());
        };
        if found_in != lang {
            self.log_once(lang, id, || {
                tracing::warn!(lang = lang.code(), id, "message missing: shown in English");
            });
        }
        let mut errors = Vec::new();
        let text = bundle.format_pattern(pattern, args, &mut errors);
        if !errors.is_empty() {
            self.log_once(found_in, id, || {
                tracing::warn!(
                    lang = found_in.code(),
                    id,
                    ?errors,
                    "message formatted with errors"
                );
            });
        }
        text
    }

    fn log_once(&self, lang: Lang, id: &str, log: impl FnOnce()) {
        let first = self
            .0
            .logged
            .lock()
            .map(|mut seen| seen.insert((lang, id.to_owned())))
            .unwrap_or(true);
        if first {
            log();
        }
    }
}

fn langid(lang: Lang) -> unic_langid::LanguageIdentifier {
    // Both codes are valid language subtags; the default (undetermined) cannot be reached.
    lang.code().parse().unwrap_or_default()
}

/// Puts the messages of each `<lang>.ftl` in `dir` over the built-in ones.
fn overlay(
    dir: &Path,
    bundles: &mut BTreeMap<Lang, FluentBundle<FluentResource>>,
    built_in: &BTreeMap<Lang, BTreeMap<String, BTreeSet<String>>>,
) -> Result<()> {
    if !dir.is_dir() {
        return Ok(());
    }
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .map_err(|e| Error::io(dir, e))?
        .map(|entry| entry.map(|e| e.path()).map_err(|e| Error::io(dir, e)))
        .collect::<Result<_>>()?;
    files.retain(|p| p.extension().is_some_and(|x| x == "ftl"));
    files.sort();
    let english = built_in.get(&Lang::En);
    for path in files {
        let shown = path.display().to_string();
        let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
        let Some(lang) = Lang::ALL.into_iter().find(|l| l.code() == stem) else {
            let known: Vec<_> = Lang::ALL.iter().map(|l| l.code()).collect();
            return Err(Error::Invalid(format!(
                "{shown}: no language {stem:?}: name the file after one of {}",
                known.join(", ")
            )));
        };
        let source = std::fs::read_to_string(&path).map_err(|e| Error::io(&path, e))?;
        let resource = parse(source, &shown)?;
        for entry in resource.entries() {
            let ast::Entry::Message(message) = entry else {
                continue;
            };
            let id = message.id.name;
            let line = line_of(resource.source(), id);
            let Some(expected) = english.and_then(|e| e.get(id)) else {
                return Err(Error::Invalid(format!(
                    "{shown}: line {line}: message {id:?} is not one the program shows \
                     (see the built-in en.ftl for the ids)"
                )));
            };
            let used = placeholders_of(message);
            if let Some(extra) = used.difference(expected).next() {
                let known: Vec<_> = expected.iter().map(|p| format!("${p}")).collect();
                return Err(Error::Invalid(format!(
                    "{shown}: line {line}: message {id:?} uses ${extra}, which it is not given \
                     (it is given: {})",
                    if known.is_empty() {
                        "nothing".to_owned()
                    } else {
                        known.join(", ")
                    }
                )));
            }
        }
        if let Some(bundle) = bundles.get_mut(&lang) {
            bundle.add_resource_overriding(resource);
            tracing::info!(file = %shown, "the shop's messages override the built-in ones");
        }
    }
    Ok(())
}

/// Parses a Fluent file; a syntax error names the file, the line and the message.
fn parse(source: String, name: &str) -> Result<FluentResource> {
    FluentResource::try_new(source).map_err(|(resource, errors)| {
        let text = resource.source();
        let described: Vec<String> = errors
            .iter()
            .map(|e| {
                let before = text.get(..e.pos.start).unwrap_or(text);
                let line = before.matches('\n').count() + 1;
                let entry = e
                    .slice
                    .as_ref()
                    .and_then(|s| text.get(s.clone()))
                    .and_then(message_id_of)
                    .map(|id| format!(" in message {id:?}"))
                    .unwrap_or_default();
                format!("{name}: line {line}{entry}: {}", e.kind)
            })
            .collect();
        Error::Invalid(described.join("; "))
    })
}

/// The id a piece of broken Fluent starts with, if it starts like a message.
fn message_id_of(junk: &str) -> Option<&str> {
    let first = junk
        .lines()
        .find(|l| !l.trim().is_empty() && !l.starts_with('#'))?;
    let (id, _) = first.split_once('=')?;
    let id = id.trim();
    let ok = id.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    ok.then_some(id)
}

/// The line on which the message `id` is defined.
fn line_of(source: &str, id: &str) -> usize {
    source
        .lines()
        .position(|l| {
            l.strip_prefix(id)
                .is_some_and(|rest| rest.trim_start().starts_with('='))
        })
        .map_or(0, |i| i + 1)
}

fn message_placeholders(resource: &FluentResource) -> BTreeMap<String, BTreeSet<String>> {
    resource
        .entries()
        .filter_map(|entry| match entry {
            ast::Entry::Message(m) => Some((m.id.name.to_owned(), placeholders_of(m))),
            _ => None,
        })
        .collect()
}

/// Every `$variable` a message uses, in its value, its attributes and its selectors.
fn placeholders_of(message: &ast::Message<&str>) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let patterns = message
        .value
        .iter()
        .chain(message.attributes.iter().map(|a| &a.value));
    for pattern in patterns {
        in_pattern(pattern, &mut found);
    }
    found
}

fn in_pattern(pattern: &ast::Pattern<&str>, found: &mut BTreeSet<String>) {
    for element in &pattern.elements {
        if let ast::PatternElement::Placeable { expression } = element {
            in_expression(expression, found);
        }
    }
}

fn in_expression(expression: &ast::Expression<&str>, found: &mut BTreeSet<String>) {
    match expression {
        ast::Expression::Select { selector, variants } => {
            in_inline(selector, found);
            for variant in variants {
                in_pattern(&variant.value, found);
            }
        }
        ast::Expression::Inline(inline) => in_inline(inline, found),
    }
}

fn in_inline(inline: &ast::InlineExpression<&str>, found: &mut BTreeSet<String>) {
    let arguments = match inline {
        ast::InlineExpression::VariableReference { id } => {
            found.insert(id.name.to_owned());
            None
        }
        ast::InlineExpression::FunctionReference { arguments, .. } => Some(arguments),
        ast::InlineExpression::TermReference { arguments, .. } => arguments.as_ref(),
        ast::InlineExpression::Placeable { expression } => {
            in_expression(expression, found);
            None
        }
        _ => None,
    };
    if let Some(arguments) = arguments {
        for argument in arguments
            .positional
            .iter()
            .chain(arguments.named.iter().map(|n| &n.value))
        {
            in_inline(argument, found);
        }
    }
}

#[cfg(test)]
mod tests;
