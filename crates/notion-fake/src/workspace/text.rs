//! Word lists and small text generators for generated content.

use crate::rng::Rng;

const WORDS: [&str; 64] = [
    "review",
    "launch",
    "quarterly",
    "roadmap",
    "design",
    "customer",
    "feedback",
    "metrics",
    "onboarding",
    "release",
    "sprint",
    "planning",
    "budget",
    "hiring",
    "research",
    "prototype",
    "meeting",
    "notes",
    "decision",
    "summary",
    "draft",
    "proposal",
    "migration",
    "database",
    "latency",
    "incident",
    "retro",
    "goals",
    "owner",
    "deadline",
    "scope",
    "risks",
    "update",
    "weekly",
    "status",
    "backlog",
    "priority",
    "analytics",
    "survey",
    "interview",
    "workflow",
    "automation",
    "template",
    "handbook",
    "policy",
    "security",
    "compliance",
    "vendor",
    "contract",
    "invoice",
    "travel",
    "offsite",
    "agenda",
    "outline",
    "milestone",
    "estimate",
    "dependency",
    "follow-up",
    "checklist",
    "experiment",
    "dashboard",
    "report",
    "archive",
    "integration",
];

/// First names of generated people.
pub(crate) const FIRST_NAMES: [&str; 24] = [
    "Ada",
    "Grace",
    "Alan",
    "Edsger",
    "Barbara",
    "Donald",
    "Margaret",
    "Ken",
    "Radia",
    "Linus",
    "Frances",
    "Dennis",
    "Hedy",
    "Tim",
    "Katherine",
    "John",
    "Shafi",
    "Leslie",
    "Sophie",
    "Niklaus",
    "Mary",
    "Guido",
    "Anita",
    "Bjarne",
];

/// Last names of generated people.
pub(crate) const LAST_NAMES: [&str; 24] = [
    "Lovelace",
    "Hopper",
    "Turing",
    "Dijkstra",
    "Liskov",
    "Knuth",
    "Hamilton",
    "Thompson",
    "Perlman",
    "Torvalds",
    "Allen",
    "Ritchie",
    "Lamarr",
    "Berners-Lee",
    "Johnson",
    "McCarthy",
    "Goldwasser",
    "Lamport",
    "Wilson",
    "Wirth",
    "Keller",
    "Rossum",
    "Borg",
    "Stroustrup",
];

/// Emoji used as icons.
pub(crate) const EMOJIS: [&str; 12] = [
    "📘", "🚀", "🗂️", "🧭", "📝", "🐞", "📊", "🧪", "💡", "🛠️", "📅", "✅",
];

/// Names of generated databases.
pub(crate) const DATABASE_NAMES: [&str; 10] = [
    "Projects",
    "Tasks",
    "Meeting notes",
    "Bugs",
    "Customers",
    "Roadmap",
    "Reading list",
    "Experiments",
    "Hiring pipeline",
    "Assets",
];

/// Titles of generated pages.
pub(crate) const PAGE_TITLES: [&str; 12] = [
    "Team handbook",
    "Architecture notes",
    "Onboarding guide",
    "Weekly sync",
    "Design review",
    "Incident report",
    "Quarterly goals",
    "Research log",
    "Release checklist",
    "Style guide",
    "Customer interviews",
    "Retrospective",
];

/// Code block languages.
pub(crate) const LANGUAGES: [&str; 8] = [
    "rust",
    "python",
    "javascript",
    "sql",
    "bash",
    "json",
    "plain text",
    "typescript",
];

/// A word.
pub(crate) fn word(rng: &mut Rng) -> &'static str {
    WORDS[rng.below(WORDS.len() as u64) as usize]
}

/// A sentence of `min..=max` words, capitalised, ending with a full stop.
pub(crate) fn sentence(rng: &mut Rng, min: u64, max: u64) -> String {
    let n = min + rng.below(max - min + 1);
    let mut s = String::with_capacity(n as usize * 9);
    for i in 0..n {
        let w = word(rng);
        if i == 0 {
            let mut c = w.chars();
            if let Some(f) = c.next() {
                s.extend(f.to_uppercase());
                s.push_str(c.as_str());
            }
        } else {
            s.push(' ');
            s.push_str(w);
        }
    }
    s.push('.');
    s
}

/// `n` words in title case.
pub(crate) fn title(rng: &mut Rng, n: u64) -> String {
    let mut s = String::with_capacity(n as usize * 9);
    for i in 0..n {
        if i > 0 {
            s.push(' ');
        }
        let w = word(rng);
        let mut c = w.chars();
        if let Some(f) = c.next() {
            s.extend(f.to_uppercase());
            s.push_str(c.as_str());
        }
    }
    s
}

/// A URL slug of a title (`Team-handbook`), as Notion puts in page URLs.
pub(crate) fn slug(title: &str) -> String {
    let mut out = String::with_capacity(title.len());
    let mut dash = false;
    for c in title.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c);
            dash = false;
        } else if !dash && !out.is_empty() {
            out.push('-');
            dash = true;
        }
    }
    while out.ends_with('-') {
        out.pop();
    }
    out
}
