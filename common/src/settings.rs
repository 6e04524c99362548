//! Shop settings: the shop itself, the release template and the health questions.
//!
//! Each comes from a TOML file. Defaults ship in `assets/` (compiled in, so a fresh
//! appliance has a good first run); an admin replaces any of them by putting a file of the
//! same name in a settings directory. The words of the screens come the same way, from
//! `i18n/<lang>.ftl` (see [`crate::i18n`]).

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::customer::MedicalKind;
use crate::error::{Error, Result};
use crate::i18n::Tr;
use crate::normalize::Region;

mod retention;
mod save;
mod shared;
pub use retention::{Retention, add_years, birthdate};
pub use save::{Change, MAX_LOGO_BYTES, Saved, check_logo, save, text_of};
pub use shared::{GENERATION_FILE, applied, follow, generation};

pub const SHOP_FILE: &str = "shop.toml";
pub const TEMPLATE_FILE: &str = "release-template.toml";
pub const QUESTIONS_FILE: &str = "health-questions.toml";

const DEFAULT_SHOP: &str = include_str!("../../assets/shop.toml");
const DEFAULT_TEMPLATE: &str = include_str!("../../assets/release-template.toml");
const DEFAULT_QUESTIONS: &str = include_str!("../../assets/health-questions.toml");
const DEFAULT_LOGO: &[u8] = include_bytes!("../../assets/logo.png");

/// A language the kiosk speaks.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    En,
    Es,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::En, Lang::Es];

    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Es => "es",
        }
    }

    /// The language's name in itself, for the language switch.
    pub fn native_name(self) -> &'static str {
        match self {
            Lang::En => "English",
            Lang::Es => "Español",
        }
    }
}

/// Text in several languages; English is always there and stands in for a missing one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Text(BTreeMap<Lang, String>);

impl Text {
    pub fn get(&self, lang: Lang) -> &str {
        self.0
            .get(&lang)
            .or_else(|| self.0.get(&Lang::En))
            .map_or("", String::as_str)
    }

    pub fn english(text: &str) -> Self {
        Self(BTreeMap::from([(Lang::En, text.to_owned())]))
    }

    fn check(&self, what: &str) -> std::result::Result<(), String> {
        match self.0.get(&Lang::En) {
            Some(t) if !t.trim().is_empty() => Ok(()),
            _ => Err(format!("{what} has no English text (`en`)")),
        }
    }
}

/// The shop's own settings (`shop.toml`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Shop {
    pub name: String,
    #[serde(default)]
    pub logo: Option<String>,
    #[serde(default = "default_idle")]
    pub idle_timeout_secs: u32,
    #[serde(default = "default_warning")]
    pub idle_warning_secs: u32,
    #[serde(default = "default_languages")]
    pub languages: Vec<Lang>,
    #[serde(default = "default_adult_age")]
    pub adult_age: u32,
    #[serde(default)]
    pub web_sign_url: Option<String>,
    /// Where phone numbers written without a country code belong (ISO 3166, two letters).
    #[serde(default)]
    pub region: Region,
    /// How long releases, customers and the audit log are kept (`[retention]`). `None`
    /// when the file states no policy (one written before there was one): the store then
    /// runs no retention pass by itself, so nothing is deleted that the shop never chose to
    /// delete; see [`Shop::retention`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retention: Option<Retention>,
}

impl Shop {
    /// The retention policy: the one stated, else the defaults.
    pub fn retention(&self) -> Retention {
        self.retention.unwrap_or_default()
    }
}

fn default_idle() -> u32 {
    60
}
fn default_warning() -> u32 {
    15
}
fn default_languages() -> Vec<Lang> {
    vec![Lang::En, Lang::Es]
}
fn default_adult_age() -> u32 {
    18
}

/// How a clause is confirmed.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Confirm {
    Initials,
    Tick,
}

/// Who a clause is for (`for` in the template): every signer, only an adult signing for
/// themselves, only a minor, or the guardian who signs for a minor.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Audience {
    #[default]
    All,
    Adult,
    Minor,
    Guardian,
}

impl Audience {
    pub fn is_all(&self) -> bool {
        *self == Audience::All
    }

    /// Whether a signer who is (or is not) a minor is shown the clause.
    pub fn shown_to(self, minor: bool) -> bool {
        match self {
            Audience::All => true,
            Audience::Adult => !minor,
            Audience::Minor | Audience::Guardian => minor,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Audience::All => "all",
            Audience::Adult => "adult",
            Audience::Minor => "minor",
            Audience::Guardian => "guardian",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Clause {
    pub id: String,
    pub confirm: Confirm,
    pub text: Text,
    /// The customer may decline it and still check in (photo consent, newsletters).
    /// Left out of the stored body when false, so templates written before it keep their
    /// version.
    #[serde(default, skip_serializing_if = "is_false")]
    pub optional: bool,
    #[serde(rename = "for", default, skip_serializing_if = "Audience::is_all")]
    pub audience: Audience,
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// The release template (`release-template.toml`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Template {
    pub id: String,
    pub title: Text,
    pub clauses: Vec<Clause>,
}

impl Template {
    /// The clauses a signer is shown, in the template's order: a minor never sees an
    /// adult-only clause, an adult never sees a minor's or a guardian's.
    pub fn clauses_for(&self, minor: bool) -> impl Iterator<Item = &Clause> {
        self.clauses
            .iter()
            .filter(move |c| c.audience.shown_to(minor))
    }
}

/// Whether a "yes" must, may or may not say more.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Details {
    Required,
    Optional,
    None,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HealthQuestion {
    pub id: String,
    pub kind: MedicalKind,
    /// The short name staff see.
    pub name: String,
    #[serde(default = "default_details")]
    pub details: Details,
    pub text: Text,
}

fn default_details() -> Details {
    Details::Optional
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct QuestionsFile {
    questions: Vec<HealthQuestion>,
}

/// Everything the kiosk is configured with.
#[derive(Debug, Clone)]
pub struct Settings {
    pub shop: Shop,
    pub template: Template,
    pub questions: Vec<HealthQuestion>,
    /// The logo's PNG bytes, if the shop has one.
    pub logo: Option<Vec<u8>>,
    /// The words of the screens, with the shop's own over the built-in ones.
    pub tr: Tr,
}

impl Settings {
    /// The defaults shipped in `assets/`.
    pub fn defaults() -> Self {
        Self::load(None).expect("the shipped settings are valid")
    }

    /// Only `shop.toml` (from `dir` when it is there): what the agent needs of the settings.
    pub fn load_shop(dir: Option<&Path>) -> Result<Shop> {
        let (text, path) = read(dir, SHOP_FILE, DEFAULT_SHOP)?;
        let shop: Shop = parse(&text, &path)?;
        check_shop(&shop).map_err(|m| invalid(&path, &m))?;
        Ok(shop)
    }

    /// Loads each file from `dir` when it is there, else the shipped default.
    pub fn load(dir: Option<&Path>) -> Result<Self> {
        let read = |name: &str, default: &'static str| read(dir, name, default);
        let shop = Self::load_shop(dir)?;
        let (text, path) = read(TEMPLATE_FILE, DEFAULT_TEMPLATE)?;
        let template: Template = parse(&text, &path)?;
        check_template(&template, &text).map_err(|m| invalid(&path, &m))?;
        let (text, path) = read(QUESTIONS_FILE, DEFAULT_QUESTIONS)?;
        let questions = parse::<QuestionsFile>(&text, &path)?.questions;
        check_questions(&questions).map_err(|m| invalid(&path, &m))?;

        let logo = match (&shop.logo, dir) {
            (None, _) => None,
            (Some(name), Some(dir)) if dir.join(name).exists() => {
                let path = dir.join(name);
                Some(std::fs::read(&path).map_err(|e| Error::io(&path, e))?)
            }
            (Some(name), _) if name == "logo.png" => Some(DEFAULT_LOGO.to_vec()),
            (Some(name), _) => {
                return Err(Error::Invalid(format!(
                    "{SHOP_FILE}: logo {name:?} is not in the settings directory"
                )));
            }
        };
        let tr = Tr::load(dir)?;
        Ok(Self {
            shop,
            template,
            questions,
            logo,
            tr,
        })
    }
}

/// A settings file's text from `dir` when it is there, else the shipped default, and the
/// path errors name.
fn read(dir: Option<&Path>, name: &str, default: &'static str) -> Result<(String, PathBuf)> {
    match dir.map(|d| d.join(name)) {
        Some(path) if path.exists() => Ok((
            std::fs::read_to_string(&path).map_err(|e| Error::io(&path, e))?,
            path,
        )),
        _ => Ok((
            default.to_owned(),
            PathBuf::from(format!("(default) {name}")),
        )),
    }
}

fn invalid(path: &Path, message: &str) -> Error {
    Error::Invalid(format!("{}: {message}", path.display()))
}

fn parse<T: serde::de::DeserializeOwned>(text: &str, path: &Path) -> Result<T> {
    toml::from_str(text).map_err(|e| {
        // toml's message carries the line and column and quotes the line.
        invalid(path, e.to_string().trim_end())
    })
}

fn check_shop(shop: &Shop) -> std::result::Result<(), String> {
    match shop_problems(shop).into_iter().next() {
        Some((_, message)) => Err(message),
        None => Ok(()),
    }
}

/// Everything wrong with `shop`, each with the `shop.toml` field it is about, in the
/// file's order: what [`Settings::load`] refuses (it names the first).
pub fn shop_problems(shop: &Shop) -> Vec<(&'static str, String)> {
    let mut problems = Vec::new();
    if shop.name.trim().is_empty() {
        problems.push(("name", "name is empty".into()));
    }
    if !(15..=3600).contains(&shop.idle_timeout_secs) {
        problems.push((
            "idle_timeout_secs",
            format!(
                "idle_timeout_secs is {}: use 15 to 3600 seconds",
                shop.idle_timeout_secs
            ),
        ));
    }
    if shop.idle_warning_secs == 0 || shop.idle_warning_secs >= shop.idle_timeout_secs {
        problems.push((
            "idle_warning_secs",
            format!(
                "idle_warning_secs is {}: use at least 1 and less than idle_timeout_secs",
                shop.idle_warning_secs
            ),
        ));
    }
    if shop.languages.is_empty() {
        problems.push((
            "languages",
            "languages is empty: list at least one of \"en\", \"es\"".into(),
        ));
    }
    if !(1..=25).contains(&shop.adult_age) {
        problems.push((
            "adult_age",
            format!("adult_age is {}: use 1 to 25", shop.adult_age),
        ));
    }
    if let Some(policy) = &shop.retention {
        problems.extend(policy.problems());
    }
    problems
}

/// A release template's file text, parsed and checked as [`Settings::load`] does: the
/// template, or what is wrong with it (with its line, when it has one).
pub fn parse_template(text: &str) -> std::result::Result<Template, String> {
    let template: Template =
        toml::from_str(text).map_err(|e| e.to_string().trim_end().to_owned())?;
    check_template(&template, text)?;
    Ok(template)
}

/// A health questions file's text, parsed and checked as [`Settings::load`] does.
pub fn parse_questions(text: &str) -> std::result::Result<Vec<HealthQuestion>, String> {
    let file: QuestionsFile =
        toml::from_str(text).map_err(|e| e.to_string().trim_end().to_owned())?;
    check_questions(&file.questions)?;
    Ok(file.questions)
}

fn unique<'a>(ids: impl Iterator<Item = &'a str>, what: &str) -> std::result::Result<(), String> {
    let mut seen = HashSet::new();
    for id in ids {
        if id.trim().is_empty() {
            return Err(format!("a {what} has an empty id"));
        }
        if !seen.insert(id) {
            return Err(format!("two {what}s have the id {id:?}"));
        }
    }
    Ok(())
}

fn check_template(t: &Template, source: &str) -> std::result::Result<(), String> {
    if t.id.trim().is_empty() {
        return Err("id is empty".into());
    }
    t.title.check("title")?;
    if t.clauses.is_empty() {
        return Err("the template has no clauses".into());
    }
    // A clause's mistake names its line and field.
    let at = |index: usize, field: &str, message: String| match clause_line(source, index, field) {
        Some(line) => format!("line {line}: {field}: {message}"),
        None => format!("{field}: {message}"),
    };
    let mut seen = HashSet::new();
    for (i, c) in t.clauses.iter().enumerate() {
        if c.id.trim().is_empty() {
            return Err(at(i, "id", format!("clause {} has an empty id", i + 1)));
        }
        if !seen.insert(c.id.as_str()) {
            return Err(at(i, "id", format!("two clauses have the id {:?}", c.id)));
        }
        c.text
            .check(&format!("clause {:?}", c.id))
            .map_err(|m| at(i, "text", m))?;
    }
    for (minor, who) in [(false, "an adult"), (true, "a minor")] {
        if !t.clauses_for(minor).any(|c| !c.optional) {
            return Err(format!(
                "no clause that must be agreed to is shown to {who}: give at least one \
                 required clause `for = \"all\"` or `for = \"{}\"`",
                if minor { "minor" } else { "adult" }
            ));
        }
    }
    Ok(())
}

/// The line of `field` in the `index`th `[[clauses]]` of a template file, if it has one.
fn clause_line(source: &str, index: usize, field: &str) -> Option<usize> {
    #[derive(Deserialize)]
    struct Spans {
        #[serde(default)]
        clauses: Vec<BTreeMap<String, toml::Spanned<toml::Value>>>,
    }
    let spans: Spans = toml::from_str(source).ok()?;
    let start = spans.clauses.get(index)?.get(field)?.span().start;
    Some(source.get(..start)?.matches('\n').count() + 1)
}

fn check_questions(qs: &[HealthQuestion]) -> std::result::Result<(), String> {
    unique(qs.iter().map(|q| q.id.as_str()), "question")?;
    for q in qs {
        q.text.check(&format!("question {:?}", q.id))?;
        if q.name.trim().is_empty() {
            return Err(format!("question {:?} has an empty name", q.id));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
