//! Slash commands typed into team chat: what `/` offers (with a line each)
//! and the parse of what was sent. Unknown or incomplete commands are an
//! error shown in place, never sent as a message.

use crate::ids::AgentId;

/// A command the console offers when the composer starts with `/`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Spec {
    pub name: &'static str,
    /// What follows the name, as shown: `<subject>`.
    pub args: &'static str,
    pub description: &'static str,
}

pub const COMMANDS: &[Spec] = &[
    Spec { name: "ticket", args: "<subject>", description: "Create a helpdesk ticket linked to this message" },
    Spec { name: "assign", args: "<session> <@agent>", description: "Give a visitor's conversation to an agent (its id's first digits)" },
    Spec {
        name: "contact",
        args: "<name or email>",
        description: "Find a visitor or customer and list their conversations (only you see it)",
    },
    Spec { name: "invite", args: "<@agent>", description: "Add a team member to this channel" },
    Spec { name: "mute", args: "", description: "Stop this channel counting toward your badge (mentions still do)" },
    Spec { name: "unmute", args: "", description: "Count this channel again" },
    Spec { name: "help", args: "", description: "List these commands" },
];

/// Longest ticket subject, in characters.
pub const MAX_SUBJECT: usize = 200;

/// A parsed command.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Command {
    Ticket {
        subject: String,
    },
    /// `session` is a session id or the start of one (at least 6 hex
    /// digits, as the console shows it); the edge resolves it.
    Assign {
        session: String,
        agent: AgentId,
    },
    Contact {
        query: String,
    },
    Invite {
        agent: AgentId,
    },
    Mute,
    Unmute,
    Help,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SlashError {
    /// `/frobnicate`: with the closest known command, if one is close.
    Unknown { name: String, suggestion: Option<&'static str> },
    /// Known command, wrong or missing arguments: with its usage line.
    Usage { name: &'static str, problem: String },
}

impl SlashError {
    pub fn code(&self) -> &'static str {
        match self {
            SlashError::Unknown { .. } => "unknown_command",
            SlashError::Usage { .. } => "bad_command",
        }
    }

    /// The sentence shown under the composer.
    pub fn message(&self) -> String {
        match self {
            SlashError::Unknown { name, suggestion: Some(s) } => {
                format!("There is no /{name} command. Did you mean /{s}? Type /help for all.")
            }
            SlashError::Unknown { name, suggestion: None } => format!("There is no /{name} command. Type /help for the list."),
            SlashError::Usage { name, problem } => {
                let spec = COMMANDS.iter().find(|c| c.name == *name).map_or("", |c| c.args);
                format!("{problem} Usage: /{name} {spec}").trim_end().to_owned()
            }
        }
    }
}

/// The commands whose names start with what follows `/` so far (all of
/// them for a bare `/`), for the popup.
pub fn matching(draft: &str) -> Vec<&'static Spec> {
    let Some(rest) = draft.strip_prefix('/') else { return Vec::new() };
    if rest.contains(char::is_whitespace) {
        return Vec::new();
    }
    let typed = rest.to_ascii_lowercase();
    COMMANDS.iter().filter(|c| c.name.starts_with(&typed)).collect()
}

/// Whether Enter in the composer sends `draft` as it is rather than
/// picking from the command list: a complete command ("/help", "/ticket
/// Late parcel") runs; a prefix ("/he") or one still missing what it needs
/// ("/ticket") is completed from the list instead.
pub fn enter_runs(draft: &str) -> bool {
    matches!(parse(draft), Some(Ok(_)))
}

/// `None` when the text is an ordinary message (it does not start with a
/// single `/`; `//` escapes a message that should start with a slash).
pub fn parse(text: &str) -> Option<Result<Command, SlashError>> {
    let text = text.trim();
    let body = text.strip_prefix('/')?;
    if body.starts_with('/') || body.is_empty() || body.starts_with(char::is_whitespace) {
        return None;
    }
    let (name, args) = body.split_once(char::is_whitespace).unwrap_or((body, ""));
    let args = args.trim();
    let lower = name.to_ascii_lowercase();
    let usage = |name: &'static str, problem: &str| Err(SlashError::Usage { name, problem: problem.to_owned() });
    Some(match lower.as_str() {
        "ticket" if args.is_empty() => usage("ticket", "Say what the ticket is about."),
        "ticket" if args.chars().count() > MAX_SUBJECT => usage("ticket", &format!("Subjects can be at most {MAX_SUBJECT} characters.")),
        "ticket" => Ok(Command::Ticket { subject: args.to_owned() }),
        "assign" => {
            let mut words = args.split_whitespace();
            match (words.next(), words.next().and_then(agent), words.next()) {
                (Some(s), Some(agent), None) if session_ref(s) => Ok(Command::Assign { session: s.to_ascii_lowercase(), agent }),
                (Some(s), _, _) if !session_ref(s) => usage("assign", "The session is its id (at least 6 of its hex digits)."),
                _ => usage("assign", "Name a session and an agent."),
            }
        }
        "contact" if args.is_empty() => usage("contact", "Give a name or an email address."),
        "contact" => Ok(Command::Contact { query: args.to_owned() }),
        "invite" => match (args.split_whitespace().count(), agent(args)) {
            (1, Some(agent)) => Ok(Command::Invite { agent }),
            _ => usage("invite", "Name one team member."),
        },
        "mute" | "unmute" | "help" if !args.is_empty() => {
            let spec = COMMANDS.iter().find(|c| c.name == lower).map_or("help", |c| c.name);
            usage(spec, "This command takes nothing after it.")
        }
        "mute" => Ok(Command::Mute),
        "unmute" => Ok(Command::Unmute),
        "help" => Ok(Command::Help),
        _ => Err(SlashError::Unknown { suggestion: closest(&lower), name: name.chars().take(40).collect() }),
    })
}

/// `@ben` or `ben`: an agent id's shape (letters, digits, `-`, `_`, `.`).
fn agent(word: &str) -> Option<AgentId> {
    let id = word.strip_prefix('@').unwrap_or(word);
    let ok = !id.is_empty() && id.len() <= 64 && id.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    ok.then(|| AgentId(id.to_owned()))
}

fn session_ref(s: &str) -> bool {
    (6..=32).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The known command within two edits of what was typed.
fn closest(name: &str) -> Option<&'static str> {
    COMMANDS.iter().map(|c| (edits(name, c.name), c.name)).filter(|&(d, _)| d <= 2).min_by_key(|&(d, _)| d).map(|(_, n)| n)
}

fn edits(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_messages_are_not_commands() {
        for text in ["hello", "// not a command", "/", "/ spaced", "path a/b", ""] {
            assert_eq!(parse(text), None, "{text:?}");
        }
    }

    #[test]
    fn enter_runs_a_complete_command_and_completes_the_rest() {
        for draft in ["/help", "/HELP ", "/mute", "/ticket Late parcel"] {
            assert!(enter_runs(draft), "{draft:?}");
        }
        for draft in ["/he", "/", "/ticket", "/ticket ", "hello", "/nope"] {
            assert!(!enter_runs(draft), "{draft:?}");
        }
    }

    #[test]
    fn each_command_parses() {
        assert_eq!(parse("/ticket  Kettle arrived dented "), Some(Ok(Command::Ticket { subject: "Kettle arrived dented".into() })));
        assert_eq!(parse("/assign 5F0C1D2E @ben"), Some(Ok(Command::Assign { session: "5f0c1d2e".into(), agent: AgentId("ben".into()) })));
        assert_eq!(parse("/contact jo@example.com"), Some(Ok(Command::Contact { query: "jo@example.com".into() })));
        assert_eq!(parse("/invite @ava"), Some(Ok(Command::Invite { agent: AgentId("ava".into()) })));
        assert_eq!(parse("/MUTE"), Some(Ok(Command::Mute)));
        assert_eq!(parse("/unmute"), Some(Ok(Command::Unmute)));
        assert_eq!(parse("/help"), Some(Ok(Command::Help)));
    }

    #[test]
    fn wrong_commands_say_what_to_type() {
        let err = |t: &str| parse(t).unwrap().unwrap_err();
        assert_eq!(err("/tikcet x"), SlashError::Unknown { name: "tikcet".into(), suggestion: Some("ticket") });
        assert!(err("/tikcet x").message().contains("Did you mean /ticket?"));
        assert_eq!(err("/frobnicate").suggestion(), None);
        assert!(err("/ticket").message().ends_with("Usage: /ticket <subject>"), "{}", err("/ticket").message());
        assert!(err("/assign nothex @ben").message().contains("hex digits"));
        assert!(err("/assign 5f0c1d2e").message().contains("Name a session and an agent."));
        assert!(err("/invite @a @b").message().contains("one team member"));
        assert!(err("/mute now").message().contains("takes nothing"));
        assert_eq!(err("/ticket").code(), "bad_command");
        assert_eq!(err("/nope").code(), "unknown_command");
        let long = format!("/ticket {}", "x".repeat(MAX_SUBJECT + 1));
        assert!(err(&long).message().contains("at most"));
    }

    #[test]
    fn the_popup_lists_commands_by_prefix() {
        assert_eq!(matching("/").len(), COMMANDS.len());
        assert_eq!(matching("/t").iter().map(|c| c.name).collect::<Vec<_>>(), ["ticket"]);
        assert_eq!(matching("/mu").iter().map(|c| c.name).collect::<Vec<_>>(), ["mute"]);
        assert!(matching("/ticket x").is_empty());
        assert!(matching("hello").is_empty());
    }

    impl SlashError {
        fn suggestion(&self) -> Option<&'static str> {
            match self {
                SlashError::Unknown { suggestion, .. } => *suggestion,
                SlashError::Usage { .. } => None,
            }
        }
    }
}
