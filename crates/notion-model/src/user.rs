//! Users, bots and groups.

use crate::Id;
use crate::codec::{object, object_union, tagged_kind};

object! {
    /// A user: a person or a bot, full or partial.
    ///
    /// References inside pages, blocks and comments are usually partial (`{object, id}`), so
    /// everything except the id is optional; [`User::kind`] is `None` for a partial user.
    #[derive(Debug, Clone, PartialEq)]
    pub struct User: object "user" {
        /// The user id.
        req id: Id,
        /// The display name (`null` when unknown).
        null name: String,
        /// The avatar image URL (`null` when none).
        null avatar_url: String,
    }
    /// Person or bot, with its details; `None` for a partial user.
    tag opt kind: UserKind;
}

tagged_kind! {
    /// What kind of user this is.
    #[derive(Debug, Clone, PartialEq)]
    pub enum UserKind {
        /// `person`
        Person(Person) = "person",
        /// `bot`
        Bot(Box<Bot>) = "bot",
    }
}

object! {
    /// Details of a person.
    #[derive(Debug, Clone, Default, PartialEq)]
    pub struct Person {
        /// The e-mail address (only with the "read user information including e-mail" capability).
        opt email: String,
        /// Whether the e-mail address is verified.
        opt email_verified: bool,
    }
}

object! {
    /// Details of a bot. `bot: {}` for other integrations' bots; the full form for `users/me`.
    #[derive(Debug, Clone, Default, PartialEq)]
    pub struct Bot {
        /// Who owns the bot: the workspace or a user.
        opt owner: Owner,
        /// The workspace id.
        opt workspace_id: Id,
        /// The workspace name.
        null workspace_name: String,
        /// Limits of the workspace.
        opt workspace_limits: WorkspaceLimits,
    }
}

object! {
    /// Limits of a bot's workspace.
    #[derive(Debug, Clone, Default, PartialEq)]
    pub struct WorkspaceLimits {
        /// Largest file upload, in bytes.
        opt max_file_upload_size_in_bytes: u64,
    }
}

object! {
    /// The owner of a bot or of an OAuth token: `{type: "workspace", workspace: true}` or
    /// `{type: "user", user: {…}}`.
    #[derive(Debug, Clone, PartialEq)]
    pub struct Owner {}
    /// Workspace or user.
    tag req kind: OwnerKind;
}

tagged_kind! {
    /// Who owns a bot or token.
    #[derive(Debug, Clone, PartialEq)]
    pub enum OwnerKind {
        /// `workspace` (the payload is `true`).
        Workspace(bool) = "workspace",
        /// `user`
        User(Box<User>) = "user",
    }
}

object! {
    /// A group of people, as found in `people` property values.
    #[derive(Debug, Clone, PartialEq)]
    pub struct Group: object "group" {
        /// The group id.
        req id: Id,
        /// The group name.
        null name: String,
    }
}

object_union! {
    /// An entry of a `people` value: a user or a group.
    #[derive(Debug, Clone, PartialEq)]
    pub enum UserOrGroup {
        /// `object: "user"`
        User(User) = "user",
        /// `object: "group"`
        Group(Group) = "group",
    }
}

impl User {
    /// A partial user, `{object: "user", id}`, as in `created_by`.
    pub fn partial(id: Id) -> Self {
        User {
            id,
            name: None,
            avatar_url: None,
            kind: None,
            extra: Default::default(),
        }
    }

    /// A person with a name and, optionally, an e-mail address.
    pub fn person(id: Id, name: impl Into<String>, email: Option<String>) -> Self {
        User {
            id,
            name: Some(Some(name.into())),
            avatar_url: Some(None),
            kind: Some(UserKind::Person(Person {
                email,
                email_verified: None,
                extra: Default::default(),
            })),
            extra: Default::default(),
        }
    }

    /// A bot with a name and bot details.
    pub fn bot(id: Id, name: impl Into<String>, bot: Bot) -> Self {
        User {
            id,
            name: Some(Some(name.into())),
            avatar_url: Some(None),
            kind: Some(UserKind::Bot(Box::new(bot))),
            extra: Default::default(),
        }
    }

    /// The name, when the object has one.
    pub fn name(&self) -> Option<&str> {
        self.name.as_ref().and_then(Option::as_deref)
    }

    /// Whether this is a partial user (`{object, id}` with no type).
    pub fn is_partial(&self) -> bool {
        self.kind.is_none()
    }

    /// The person details, if this is a person.
    pub fn person_details(&self) -> Option<&Person> {
        match &self.kind {
            Some(UserKind::Person(person)) => Some(person),
            _ => None,
        }
    }

    /// The bot details, if this is a bot.
    pub fn bot_details(&self) -> Option<&Bot> {
        match &self.kind {
            Some(UserKind::Bot(bot)) => Some(bot),
            _ => None,
        }
    }

    /// The e-mail address of a person, when present.
    pub fn email(&self) -> Option<&str> {
        self.person_details().and_then(|p| p.email.as_deref())
    }
}

impl Owner {
    /// The workspace owns it.
    pub fn workspace() -> Self {
        Owner {
            kind: OwnerKind::Workspace(true),
            extra: Default::default(),
        }
    }

    /// A user owns it.
    pub fn user(user: User) -> Self {
        Owner {
            kind: OwnerKind::User(Box::new(user)),
            extra: Default::default(),
        }
    }
}

impl Group {
    /// A group.
    pub fn new(id: Id, name: impl Into<String>) -> Self {
        Group {
            id,
            name: Some(Some(name.into())),
            extra: Default::default(),
        }
    }
}

impl UserOrGroup {
    /// The id of the user or group.
    pub fn id(&self) -> Option<Id> {
        match self {
            UserOrGroup::User(user) => Some(user.id),
            UserOrGroup::Group(group) => Some(group.id),
            UserOrGroup::Unknown(value) => value
                .get("id")
                .and_then(|v| v.as_str())
                .and_then(|s| s.parse().ok()),
        }
    }
}

impl From<User> for UserOrGroup {
    fn from(user: User) -> Self {
        UserOrGroup::User(user)
    }
}
